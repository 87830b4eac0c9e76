// Data access for /api/v1/events. Reads go through visibleEvents().
import type { Knex } from 'knex';
import type { Actor } from '../../../policies/actor';
import { isUuid } from '../../../policies/ids';
import { visibleEvents } from '../../../policies/scopes';
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
}

/** Events of your groups, by start time (index events (group_id, start_time, id)). */
export function listEvents(db: Knex, actor: Actor, { show, groupId, ordering }: EventFilters): Knex.QueryBuilder {
  const query = visibleEvents(db, actor).select(eventColumns(db, actor));
  if (show === 'future') query.where('e.start_time', '>=', db.fn.now());
  if (show === 'past') query.where('e.start_time', '<', db.fn.now());
  if (groupId) query.where('e.group_id', groupId);
  const direction = ordering === '-start_time' ? 'desc' : 'asc';
  return query.orderBy([
    { column: 'e.start_time', order: direction },
    { column: 'e.id', order: direction },
  ]);
}

export async function findEvent(db: Knex, actor: Actor, id: string): Promise<EventRow | undefined> {
  if (!isUuid(id)) return undefined;
  return visibleEvents(db, actor).where('e.id', id).first(eventColumns(db, actor));
}
