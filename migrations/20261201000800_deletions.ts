// Tombstones for delta sync (SPEC §8, GET /api/v1/deletions): one row per record that left
// someone's view, written in the transaction of the change. Who sees a row is its audience:
//   - group_id alone: the members of that group (a ticket or event deleted there, the group
//     deactivated);
//   - user_id (and group_id): that user alone lost the group (left or removed); the group's
//     events and tickets are derived from it when read, not stored one by one, so a departure
//     costs one row whatever the group holds;
//   - owner_id: the alias's owner and whoever shares a group with them (an alias deleted).
// No foreign keys: a tombstone outlives its record by design, and the background purge deletes
// rows older than DELETIONS_RETENTION_DAYS (the deleted_at index), which bounds the table.
import type { Knex } from 'knex';
import { uuidPrimaryKey } from '../src/db/migration-helpers';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('deletions', (t) => {
    uuidPrimaryKey(knex, t);
    t.text('type').notNullable();
    t.uuid('record_id').notNullable();
    t.uuid('group_id').nullable();
    t.uuid('user_id').nullable();
    t.uuid('owner_id').nullable();
    t.timestamp('deleted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['group_id', 'deleted_at'], 'deletions_group_id_deleted_at_index');
    t.index(['user_id', 'deleted_at'], 'deletions_user_id_deleted_at_index');
    t.index(['owner_id', 'deleted_at'], 'deletions_owner_id_deleted_at_index');
    t.index(['deleted_at'], 'deletions_deleted_at_index'); // the background purge
  });
  await knex.raw(
    `alter table deletions add constraint deletions_type_check
       check (type in ('group', 'event', 'ticket', 'user_alias'))`,
  );
  await knex.raw(
    `alter table deletions add constraint deletions_audience_check
       check (group_id is not null or user_id is not null or owner_id is not null)`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('deletions');
}
