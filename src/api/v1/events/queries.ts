// Data access for /api/v1/events. Reads go through visibleEvents().
import type { Knex } from 'knex';
import type { Actor } from '../../../policies/actor';
import type { Authorized } from '../../../policies/authorize';
import type { GroupRow } from '../groups/presenter';
import { visibleEvents, visibleTickets } from '../../../policies/scopes';
import { recordEventTombstone } from '../deletions/public';
import { recordDeletions } from '../tickets/public';
import type { EventRow } from './presenter';

function eventColumns(db: Knex, actor: Actor) {
  return [
    'e.id',
    'e.group_id',
    'e.name',
    'e.description',
    'e.start_time',
    'e.date_tba',
    'e.time_tba',
    'e.created_at',
    'e.version',
    'm.role',
    // A correlated subquery in the select list, so PostgreSQL evaluates it only for the rows
    // of the page (after the sort and limit), each through tickets' (event_id, …) indexes.
    db.raw(
      `(select json_build_object('total', count(*), 'available', count(*) filter (where tc.assignee_id is null),
                                 'mine', count(*) filter (where tc.assignee_id = ?))
          from tickets as tc where tc.event_id = e.id) as ticket_counts`,
      [actor.userId],
    ),
  ];
}

export interface EventFilters {
  show?: 'past' | 'future';
  groupId?: string; // already authorized
  ordering: 'start_time' | '-start_time';
  /** Delta sync: changed at or after this time, or newly in your view because you joined its group then. */
  updatedSince?: string;
}

/** Events of your groups, by start time (index events (group_id, start_time, id)). */
export function listEvents(
  db: Knex,
  actor: Actor,
  { show, groupId, ordering, updatedSince }: EventFilters,
): Knex.QueryBuilder {
  const query = visibleEvents(db, actor).select(eventColumns(db, actor));
  if (show === 'future') query.where('e.start_time', '>=', db.fn.now());
  if (show === 'past') query.where('e.start_time', '<', db.fn.now());
  if (groupId) query.where('e.group_id', groupId);
  if (updatedSince !== undefined)
    query.where((changed) => {
      changed
        .where('e.updated_at', '>=', updatedSince)
        .orWhere('m.created_at', '>=', updatedSince)
        // Its ticket_counts may have changed: a ticket of it added or changed, or any ticket of the
        // group deleted (a tombstone names no event: every event of the group counts, more never less).
        .orWhereRaw('exists (select 1 from tickets as tc where tc.event_id = e.id and tc.updated_at >= ?)', [
          updatedSince,
        ])
        .orWhereRaw(
          "exists (select 1 from deletions as dt where dt.group_id = g.id and dt.user_id is null and dt.type = 'ticket' " +
            'and dt.deleted_at >= ?)',
          [updatedSince],
        );
    });
  const direction = ordering === '-start_time' ? 'desc' : 'asc';
  return query.orderBy([
    { column: 'e.start_time', order: direction },
    { column: 'e.id', order: direction },
  ]);
}

/**
 * One event you can see (`id` a path parameter, already a uuid, or a new event's); `lock` takes
 * its row lock to change it (deleting: no ticket slips in meanwhile).
 */
export async function findEvent(
  db: Knex,
  actor: Actor,
  id: string,
  { lock = false } = {},
): Promise<EventRow | undefined> {
  const query = visibleEvents(db, actor).where('e.id', id).first<EventRow | undefined>(eventColumns(db, actor));
  if (lock) query.forUpdate('e');
  return query;
}

type EventFields = Pick<EventRow, 'name' | 'start_time'> &
  Partial<Pick<EventRow, 'description' | 'date_tba' | 'time_tba'>>;

/** A new event in a group the actor administers; returns its id. */
export async function createEvent(db: Knex, group: Authorized<GroupRow>, fields: EventFields): Promise<string> {
  const [created] = await db('events')
    .insert({ ...fields, group_id: group.id })
    .returning<{ id: string }[]>('id');
  return (created as { id: string }).id;
}

export async function updateEvent(db: Knex, event: Authorized<EventRow>, changes: Partial<EventFields>): Promise<void> {
  if (Object.keys(changes).length === 0) return;
  await db('events')
    .where({ id: event.id })
    .update({ ...changes, updated_at: db.fn.now() });
}

/** Its tickets now: counted after the event's row lock, which keeps new ones out meanwhile. */
export async function countEventTickets(
  trx: Knex.Transaction,
  actor: Actor,
  event: Authorized<EventRow>,
): Promise<number> {
  const row = await visibleTickets(trx, actor)
    .where('t.event_id', event.id)
    .count({ count: '*' })
    .first<{ count: string | number } | undefined>();
  return Number(row?.count ?? 0);
}

/**
 * Deletes the event and (by the foreign key) its tickets; each ticket's deletion is first
 * recorded in its group's history, as a ticket deleted by hand would be.
 */
export async function deleteEvent(trx: Knex.Transaction, actor: Actor, event: Authorized<EventRow>): Promise<void> {
  await recordDeletions(trx, actor, { event_id: event.id });
  await recordEventTombstone(trx, event);
  await trx('events').where({ id: event.id }).delete();
}
