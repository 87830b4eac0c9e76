// Record versions for conditional requests (SPEC §8, src/http/conditional.ts): every record the
// API presents one by one gets `version`, an integer a trigger raises by one on every UPDATE of
// its row, whoever writes it (a handler, a cascade such as ON DELETE SET NULL, a script).
// Why not updated_at: now() is the transaction's start, so two changes in one transaction, or
// two transactions started in the same microsecond, would share it, and a statement that forgets
// to set it (or a foreign key's SET NULL) would change a record without changing its tag. A
// trigger cannot be forgotten, and PGlite runs PL/pgSQL triggers as PostgreSQL does.
// Every UPDATE counts, even one that sets the same values: a tag that changes without need only
// costs a client a download; one that stays while the record changed would be a lie.
import type { Knex } from 'knex';

const TABLES = ['users', 'user_aliases', 'groups', 'events', 'tickets'];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function bump_record_version() returns trigger
    language plpgsql
    as $$
    begin
      new.version := old.version + 1;
      return new;
    end
    $$`);
  for (const table of TABLES) {
    // A constant default: PostgreSQL adds the column without rewriting the table.
    await knex.raw(`alter table ${table} add column version bigint not null default 1`);
    await knex.raw(
      `create trigger ${table}_bump_version before update on ${table}
         for each row execute function bump_record_version()`,
    );
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of TABLES) {
    await knex.raw(`drop trigger ${table}_bump_version on ${table}`);
    await knex.raw(`alter table ${table} drop column version`);
  }
  await knex.raw('drop function bump_record_version()');
}
