// Refresh families get an absolute lifetime (SPEC §3, REFRESH_FAMILY_MAX_DAYS). Every token row
// carries the moment its family started (copied on each rotation), so the family's end is known
// from the row being refreshed alone, and purging a family's first rows loses nothing.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table oauth_tokens add column family_started_at timestamptz');
  // Existing families started with their earliest row still present (purged rows are gone:
  // such a family is dated a little late, never early).
  await knex.raw(
    `update oauth_tokens t set family_started_at = f.started_at
       from (select family_id, min(created_at) as started_at from oauth_tokens group by family_id) f
      where f.family_id = t.family_id`,
  );
  await knex.raw('alter table oauth_tokens alter column family_started_at set default now()');
  await knex.raw('alter table oauth_tokens alter column family_started_at set not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table oauth_tokens drop column family_started_at');
}
