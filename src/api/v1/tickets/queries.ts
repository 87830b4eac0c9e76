// Data access for /api/v1/tickets: reads through visibleTickets() with the summaries joined
// in, so a page of any length is one statement.
import type { Knex } from 'knex';
import { selectFirstPrepared } from '../../../db/prepared';
import { selectTogether } from '../../../db/select-together';
import type { Actor } from '../../../policies/actor';
import { isUuid } from '../../../policies/ids';
import { visibleEvents, visibleGroups, visibleTickets } from '../../../policies/scopes';
import { displayNameSql } from '../../../users/display-name';
import type { TicketRow } from './presenter';

const TICKET_COLUMNS = [
  't.id',
  't.group_id',
  't.event_id',
  't.owner_id',
  't.assignee_id',
  't.alias_id',
  't.section',
  't.row',
  't.seat',
  't.cost',
  't.note',
  't.created_at',
  't.updated_at',
  't.version',
  'e.name as event_name',
  'e.start_time as event_start_time',
];

// The people's names as scalar subqueries in the select list, not joins: PostgreSQL computes
// select-list subqueries after ORDER BY … LIMIT, so only for the page's rows. As joins they
// were computed for every visible ticket (the window count needs them all): on a million
// tickets that doubled the list's execution time (EXPLAIN: 1 280 users_pkey probes for 640
// visible tickets, 4.0 ms against 2.0 ms at 10 000 tickets).
const NAMES = [
  `(select ${displayNameSql('o')} from users as o where o.id = t.owner_id) as owner_name`,
  `(select ${displayNameSql('asg')} from users as asg where asg.id = t.assignee_id) as assignee_name`,
  `(select ${displayNameSql('al')} from user_aliases as al where al.id = t.alias_id) as alias_name`,
];

function withSummaries(db: Knex, query: Knex.QueryBuilder): Knex.QueryBuilder {
  return (
    query
      // The group condition is redundant (tickets' composite key) but lets the planner use
      // events (group_id, …) as well.
      .join('events as e', (on) => on.on('e.id', '=', 't.event_id').andOn('e.group_id', '=', 't.group_id'))
      .select([...TICKET_COLUMNS, ...NAMES.map((name) => db.raw(name))])
  );
}

export interface TicketFilters {
  owner?: 'me';
  assignee?: 'me';
  show?: 'past' | 'future';
  groupId?: string; // already authorized
  eventId?: string; // already authorized
  available?: boolean;
  /**
   * Delta sync: changed at or after this time (ISO 8601), or changed in what the ticket shows of
   * its event, or newly in your view because you joined its group then. (Names of people come
   * from /users and /user_aliases, which have their own updated_since.)
   */
  updatedSince?: string;
}

/** Tickets in your groups: by event start, then section, row and seat in natural order. */
export function listTickets(db: Knex, actor: Actor, filters: TicketFilters): Knex.QueryBuilder {
  const query = withSummaries(db, visibleTickets(db, actor));
  if (filters.owner === 'me') query.where('t.owner_id', actor.userId);
  if (filters.assignee === 'me') query.where('t.assignee_id', actor.userId);
  if (filters.show) {
    // SPEC §5: past and future are about your own seats, the ones you own or hold.
    query.where((mine) => {
      mine.where('t.owner_id', actor.userId).orWhere('t.assignee_id', actor.userId);
    });
    query.where('e.start_time', filters.show === 'future' ? '>=' : '<', db.fn.now());
  }
  if (filters.groupId) query.where('t.group_id', filters.groupId);
  if (filters.eventId) query.where('t.event_id', filters.eventId);
  if (filters.available === true) query.whereNull('t.assignee_id');
  if (filters.available === false) query.whereNotNull('t.assignee_id');
  const since = filters.updatedSince;
  if (since !== undefined)
    query.where((changed) => {
      changed
        .where('t.updated_at', '>=', since)
        .orWhere('e.updated_at', '>=', since)
        .orWhere('m.created_at', '>=', since);
    });
  return query.orderBy(['e.start_time', 't.event_id', 't.section_sort', 't.row_sort', 't.seat_sort', 't.id']);
}

/**
 * The records a list's filters name (`group_id`, `event_id`), looked up through their
 * visibility scopes in one statement; a name the caller cannot see comes back undefined.
 */
export async function findFilterTargets(
  db: Knex,
  actor: Actor,
  { groupId, eventId }: { groupId?: string; eventId?: string },
): Promise<{ group?: { id: string }; event?: { id: string } }> {
  if (groupId === undefined && eventId === undefined) return {};
  const found = await selectTogether(db, {
    group_id: isUuid(groupId) ? visibleGroups(db, actor).where('g.id', groupId).select('g.id') : null,
    event_id: isUuid(eventId) ? visibleEvents(db, actor).where('e.id', eventId).select('e.id') : null,
  });
  return {
    group: typeof found.group_id === 'string' ? { id: found.group_id } : undefined,
    event: typeof found.event_id === 'string' ? { id: found.event_id } : undefined,
  };
}

/** Tickets you can see, in the order of `ids` (after creating them). */
export async function findTickets(db: Knex, actor: Actor, ids: string[]): Promise<TicketRow[]> {
  const rows = (await withSummaries(db, visibleTickets(db, actor)).whereIn('t.id', ids)) as TicketRow[];
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** One ticket you can see (`id` a path parameter, already a uuid); `lock` takes its row lock to change it. */
export async function findTicket(
  db: Knex,
  actor: Actor,
  id: string,
  { lock = false } = {},
): Promise<TicketRow | undefined> {
  const query = withSummaries(db, visibleTickets(db, actor)).where('t.id', id);
  return selectFirstPrepared<TicketRow>(db, lock ? query.forUpdate('t') : query);
}
