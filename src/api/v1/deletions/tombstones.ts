// The one home of tombstone writes (delta sync, SPEC §8): every change that takes a record out
// of someone's view calls one of these inside its own transaction, so a tombstone exists exactly
// when the change committed, stamped with the same now() as the change. Who reads each kind is
// described in the migration (20261201000800_deletions.ts) and applied in ./queries.ts.
import type { Knex } from 'knex';

/** Tickets about to be deleted, for their groups' members: `tickets` selects their `id` and `group_id`. */
export async function recordTicketTombstones(trx: Knex.Transaction, tickets: Knex.QueryBuilder): Promise<void> {
  await trx.raw(`insert into deletions (type, record_id, group_id) select 'ticket', d.id, d.group_id from (?) as d`, [
    tickets,
  ]);
}

/** An event deleted, for its group's members. */
export async function recordEventTombstone(
  trx: Knex.Transaction,
  event: { id: string; group_id: string },
): Promise<void> {
  await trx.raw(`insert into deletions (type, record_id, group_id) values ('event', ?, ?)`, [event.id, event.group_id]);
}

/**
 * Users who lose a group (left, removed, or every member when it is deactivated): one row each;
 * the group's events and tickets are derived from it when read (./queries.ts), not stored.
 */
export async function recordGroupLost(
  trx: Knex.Transaction,
  groupId: string,
  who: { userId: string } | 'every member',
): Promise<void> {
  if (who === 'every member') {
    await trx.raw(
      `insert into deletions (type, record_id, group_id, user_id)
       select 'group', mg.group_id, mg.group_id, mg.user_id from memberships as mg where mg.group_id = ?`,
      [groupId],
    );
  } else {
    await trx.raw(`insert into deletions (type, record_id, group_id, user_id) values ('group', ?, ?, ?)`, [
      groupId,
      groupId,
      who.userId,
    ]);
  }
}

/** An alias deleted, for its owner and whoever shares a group with them. */
export async function recordAliasTombstone(
  trx: Knex.Transaction,
  alias: { id: string; user_id: string },
): Promise<void> {
  await trx.raw(`insert into deletions (type, record_id, owner_id) values ('user_alias', ?, ?)`, [
    alias.id,
    alias.user_id,
  ]);
}

/**
 * A deleted account's aliases, for the members of its groups (read like a ticket deleted in the
 * group): once the owner's row is gone, an owner-audience tombstone would have no reader left.
 */
export async function recordAliasesOfDeletedAccount(
  trx: Knex.Transaction,
  userId: string,
  groupIds: string[],
): Promise<void> {
  if (groupIds.length === 0) return;
  await trx.raw(
    `insert into deletions (type, record_id, group_id)
     select 'user_alias', a.id, g.id from user_aliases as a cross join unnest(?::uuid[]) as g(id) where a.user_id = ?`,
    [groupIds, userId],
  );
}

const PURGE_BATCH = 5000;

/**
 * Background purge: tombstones older than the retention, in batches through the deleted_at
 * index (short statements; the rows are never updated, so nothing waits on them). Returns how
 * many went. A `since` older than the retention is refused (410), so none of these is missed.
 */
export async function purgeOldTombstones(knex: Knex, retentionDays: number, batch = PURGE_BATCH): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await knex.raw<{ rowCount: number }>(
      `delete from deletions where id in (
         select id from deletions where deleted_at < now() - make_interval(days => ?) limit ?)`,
      [retentionDays, batch],
    );
    total += rowCount;
    if (rowCount < batch) return total;
  }
}
