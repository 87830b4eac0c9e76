// A ticket's history (SPEC §5): every change, newest first, to the members of its group, and
// members' requests for a seat. Read through the ticket's visibility scope (the ticket has
// already been authorized by the route), so history is never visible without its ticket.
// Presented by presenter.ts.
import type { Knex } from 'knex';
import type { Actor } from '../../../policies/actor';
import type { Authorized } from '../../../policies/authorize';
import { visibleTickets } from '../../../policies/scopes';
import { recordTicketTombstones } from '../deletions/public';
import type { HistoryRow, TicketRow } from './presenter';

const HISTORY_COLUMNS = [
  'h.id',
  'h.action',
  'h.actor_id',
  'ha.first_name as actor_first_name',
  'ha.last_name as actor_last_name',
  'h.changes',
  'h.message',
  'h.created_at',
];

/** Newest first (index ticket_history (ticket_id, created_at desc, id desc)). */
export function listHistory(db: Knex, actor: Actor, ticket: Authorized<TicketRow>): Knex.QueryBuilder {
  return visibleTickets(db, actor)
    .where('t.id', ticket.id)
    .join('ticket_history as h', 'h.ticket_id', 't.id')
    .leftJoin('users as ha', 'ha.id', 'h.actor_id')
    .select(HISTORY_COLUMNS)
    .orderBy([
      { column: 'h.created_at', order: 'desc' },
      { column: 'h.id', order: 'desc' },
    ]);
}

// What a deleted ticket was, {field: [value, null]}: the same fields whether one ticket is
// deleted by hand or many go with their event or their owner's membership. Cost as its
// decimal string, as everywhere else in history.
const DELETED_SNAPSHOT = `jsonb_build_object(
  'event_id', jsonb_build_array(t.event_id, null), 'owner_id', jsonb_build_array(t.owner_id, null),
  'assignee_id', jsonb_build_array(t.assignee_id, null), 'alias_id', jsonb_build_array(t.alias_id, null),
  'section', jsonb_build_array(t.section, null), 'row', jsonb_build_array(t."row", null),
  'seat', jsonb_build_array(t.seat, null),
  'cost', jsonb_build_array(t.cost::text, null), 'note', jsonb_build_array(t.note, null))`;

type TicketKey = 'id' | 'event_id' | 'group_id' | 'owner_id';

/**
 * Records, in one statement, the deletion of every ticket `where` matches (call it before
 * deleting them). The actor is a member of the tickets' group, so the scope lets all of them
 * through. History outlives its ticket: the key to the ticket is cleared on delete.
 */
export async function recordDeletions(
  trx: Knex.Transaction,
  actor: Actor,
  where: Partial<Record<TicketKey, string>>,
): Promise<void> {
  const conditions = Object.fromEntries(Object.entries(where).map(([column, value]) => [`t.${column}`, value]));
  const deleted = visibleTickets(trx, actor)
    .where(conditions)
    .select('t.id', 't.group_id', trx.raw('?::uuid', [actor.userId]), trx.raw("'deleted'"), trx.raw(DELETED_SNAPSHOT));
  await trx.raw('insert into ticket_history (ticket_id, group_id, actor_id, action, changes) ?', [deleted]);
  // And a tombstone each for delta sync (GET /deletions), from the same rows.
  await recordTicketTombstones(trx, visibleTickets(trx, actor).where(conditions).select('t.id', 't.group_id'));
}

/** A member's request for the ticket, kept in its history; returns the entry. */
export async function recordRequest(
  db: Knex,
  actor: Actor,
  ticket: Authorized<TicketRow>,
  message: string | undefined,
): Promise<HistoryRow> {
  const [entry] = await db('ticket_history')
    .insert({
      ticket_id: ticket.id,
      group_id: ticket.group_id,
      actor_id: actor.userId,
      action: 'requested',
      changes: '{}',
      message: message ?? null,
    })
    .returning<{ id: string }[]>('id');
  return listHistory(db, actor, ticket)
    .where('h.id', (entry as { id: string }).id)
    .first<HistoryRow>();
}
