// Invitations are mailed now (SPEC §7), so their rows also count what a group and an inviter
// have sent (src/api/v1/groups/invitations.ts: per group per hour, per inviter per day) and
// whether an address already has a pending invitation to the group. Indexes for each:
//   - per group per hour: the existing (group_id, created_at);
//   - per inviter per day: (invited_by_id, created_at), which also serves the foreign key's
//     ON DELETE SET NULL lookup, so it replaces the single-column invited_by_id index;
//   - pending to an address: (group_id, lower(email)) over the rows neither accepted nor
//     cancelled. Not unique: an expired invitation is still such a row (now() cannot be in an
//     index predicate), and a new one may follow it; the group's row lock serialises the check.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('invitations', (t) => {
    t.index(['invited_by_id', 'created_at'], 'invitations_invited_by_id_created_at_index');
    t.dropIndex(['invited_by_id'], 'invitations_invited_by_id_index');
  });
  await knex.raw(
    'create index invitations_pending_email_index on invitations (group_id, lower(email)) ' +
      'where accepted_at is null and cancelled_at is null',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index invitations_pending_email_index');
  await knex.schema.alterTable('invitations', (t) => {
    t.index(['invited_by_id'], 'invitations_invited_by_id_index');
    t.dropIndex(['invited_by_id', 'created_at'], 'invitations_invited_by_id_created_at_index');
  });
}
