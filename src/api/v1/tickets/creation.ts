// Adding tickets (SPEC §5, POST /tickets): a member adds tickets they own, for one event or a
// season of events, all or nothing in the caller's transaction. The events are looked up
// through the visibility scope (any member may add); names that are not events of the
// caller's groups are 400 on `event_id` / `event_ids.<index>`. The assignee defaults to the
// creator and must be a member of every group involved. Each ticket gets a `created` row in
// its history. A constant number of statements, whatever the season's length.
import type { Knex } from 'knex';
import { validationFailed, type FieldErrors } from '../../../errors';
import type { Actor } from '../../../policies/actor';
import { isUuid } from '../../../policies/ids';
import { visibleEvents, visibleUsers } from '../../../policies/scopes';
import type { NewTickets } from './schema';

const CREATED_FIELDS = ['event_id', 'assignee_id', 'section', 'row', 'seat', 'cost', 'note'] as const;

/** Creates the tickets; returns their ids in the order of the events given. */
export async function createTickets(trx: Knex.Transaction, actor: Actor, body: NewTickets): Promise<string[]> {
  const eventIds = body.event_ids ?? [body.event_id!];
  const events: Array<{ id: string; group_id: string }> = await visibleEvents(trx, actor)
    .whereIn(
      'e.id',
      eventIds.filter((id) => isUuid(id)),
    )
    .select('e.id', 'e.group_id');
  const groupOf = new Map(events.map((event) => [event.id, event.group_id]));
  const fields: FieldErrors = {};
  eventIds.forEach((id, index) => {
    if (!groupOf.has(id))
      fields[body.event_ids ? `event_ids.${index}` : 'event_id'] = ['must be an event of your groups'];
  });

  const assignee = body.assignee_id === undefined ? actor.userId : body.assignee_id;
  const groups = [...new Set(groupOf.values())];
  if (assignee !== null && assignee !== actor.userId && groups.length > 0) {
    const memberOf = isUuid(assignee)
      ? await visibleUsers(trx, actor)
          .join('memberships as tm', 'tm.user_id', 'u.id')
          .where('u.id', assignee)
          .whereIn('tm.group_id', groups)
          .pluck('tm.group_id')
      : [];
    if (memberOf.length !== groups.length) fields.assignee_id = ["must be a member of the event's group, or null"];
  }
  if (Object.keys(fields).length) throw validationFailed(fields);

  const rows = eventIds.map((event_id) => ({
    group_id: groupOf.get(event_id),
    event_id,
    owner_id: actor.userId,
    assignee_id: assignee,
    section: body.section,
    row: body.row,
    seat: body.seat,
    ...(body.cost !== undefined ? { cost: body.cost } : {}),
    ...(body.note !== undefined ? { note: body.note } : {}),
  }));
  const created: Array<Record<(typeof CREATED_FIELDS)[number] | 'id' | 'group_id', string | null>> = await trx(
    'tickets',
  )
    .insert(rows)
    .returning(['id', 'group_id', ...CREATED_FIELDS]);
  await trx('ticket_history').insert(
    created.map((ticket) => ({
      ticket_id: ticket.id,
      group_id: ticket.group_id,
      actor_id: actor.userId,
      action: 'created',
      changes: JSON.stringify(Object.fromEntries(CREATED_FIELDS.map((field) => [field, [null, ticket[field]]]))),
    })),
  );
  const idOf = new Map(created.map((ticket) => [ticket.event_id, ticket.id as string]));
  return eventIds.map((eventId) => idOf.get(eventId)!);
}
