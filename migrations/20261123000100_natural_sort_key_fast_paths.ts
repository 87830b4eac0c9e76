// natural_sort_key gets fast paths for the common seats: all digits ("12") and no digits
// ("K"). The general case is the same expression as before, so every key is unchanged (the
// stored generated columns keep their values; test/schema.test.ts compares both on edge
// cases). Why: as a SQL function with a subquery it is never inlined, and each call ran
// the SQL-function executor: 27 µs per ticket for its three keys, 27 s of a 1 000 000-ticket
// seed. PL/pgSQL keeps its plans and answers the fast paths in about 1 µs.
import type { Knex } from 'knex';

const GENERAL_CASE = `coalesce(
      (select string_agg(case when part[1] ~ '^[0-9]' then lpad(part[1], 20, '0') else lower(part[1]) end, '' order by n)
         from regexp_matches(value, '([0-9]+|[^0-9]+)', 'g') with ordinality as parts(part, n)),
      '')`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function natural_sort_key(value text) returns text
    language plpgsql immutable strict parallel safe
    as $$
    begin
      if value ~ '^[0-9]+$' then return lpad(value, 20, '0'); end if;
      if value !~ '[0-9]' then return lower(value); end if;
      return ${GENERAL_CASE};
    end
    $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function natural_sort_key(value text) returns text
    language sql immutable strict parallel safe
    return ${GENERAL_CASE}`);
}
