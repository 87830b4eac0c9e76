// Changing and deleting a ticket (SPEC §5), inside the caller's transaction. The route has
// already authorized the ticket (owner or assignee; seats the owner only); what is left are the
// body's references, which are 400s with `fields` when they name nothing usable:
//   - assignee_id: a member of the ticket's group, or null (the seat becomes available);
//   - alias_id: one of your aliases, on a ticket that is (or is being) assigned to you;
//     cleared whenever the assignee changes;
//   - section/row/seat: at least one stays non-blank.
// Every change writes one ticket_history row {field: [old, new]} in the same transaction.
import type { Knex } from 'knex';
import { rawPrepared } from '../../../db/prepared';
import { selectTogether } from '../../../db/select-together';
import { validationFailed, type FieldErrors } from '../../../errors';
import type { Actor } from '../../../policies/actor';
import type { Authorized } from '../../../policies/authorize';
import { isUuid } from '../../../policies/ids';
import { isValidAliasChoice, SEAT_FIELDS } from '../../../policies/rules';
import { visibleAliases, visibleUsers } from '../../../policies/scopes';
import { recordDeletions } from './history';
import type { TicketRow } from './presenter';
import { findTicket } from './queries';
import type { TicketChanges } from './schema';

type Column = 'cost' | 'note' | 'assignee_id' | 'alias_id' | 'section' | 'row' | 'seat';
const HISTORY_FIELDS: Column[] = ['assignee_id', 'alias_id', 'section', 'row', 'seat', 'cost', 'note'];
type Diff = Partial<Record<Column, [unknown, unknown]>>;

/** The body checked against the database and turned into the columns that actually change. */
export async function resolveTicketChanges(
  trx: Knex.Transaction,
  actor: Actor,
  ticket: Authorized<TicketRow>,
  body: TicketChanges,
): Promise<Diff> {
  const fields: FieldErrors = {};
  const assigneeAfter = body.assignee_id === undefined ? ticket.assignee_id : body.assignee_id;
  const found = await selectTogether(trx, {
    // Any member of the ticket's group is one of the actor's mutual members.
    assignee: isUuid(body.assignee_id)
      ? visibleUsers(trx, actor)
          .join('memberships as tm', (on) =>
            on.on('tm.user_id', '=', 'u.id').andOnVal('tm.group_id', '=', ticket.group_id),
          )
          .where('u.id', body.assignee_id)
          .select('u.id')
      : null,
    alias_owner: isUuid(body.alias_id)
      ? visibleAliases(trx, actor).where('a.id', body.alias_id).select('a.user_id')
      : null,
  });
  if (body.assignee_id !== undefined && body.assignee_id !== null && !found.assignee) {
    fields.assignee_id = ["must be a member of the ticket's group, or null"];
  }
  if (body.alias_id !== undefined) {
    const assigneeChanges = assigneeAfter !== ticket.assignee_id;
    const unchanged = body.alias_id === ticket.alias_id && !assigneeChanges;
    const valid =
      unchanged ||
      (body.alias_id === null
        ? assigneeChanges || assigneeAfter === actor.userId // clearing: what a new assignee does anyway
        : isValidAliasChoice(
            actor,
            typeof found.alias_owner === 'string' ? { user_id: found.alias_owner } : undefined,
            assigneeAfter,
          ));
    if (!valid) fields.alias_id = ['must be one of your aliases, on a ticket assigned to you'];
  }
  const place = {
    section: body.section ?? ticket.section,
    row: body.row ?? ticket.row,
    seat: body.seat ?? ticket.seat,
  };
  if (SEAT_FIELDS.some((field) => body[field] !== undefined) && SEAT_FIELDS.every((field) => place[field] === '')) {
    for (const field of SEAT_FIELDS)
      if (body[field] !== undefined) fields[field] = ['at least one of section, row and seat must not be blank'];
  }
  if (Object.keys(fields).length) throw validationFailed(fields);

  const after: Record<Column, unknown> = { ...pick(ticket), ...withoutUndefined(body) };
  if (assigneeAfter !== ticket.assignee_id && body.alias_id === undefined) after.alias_id = null;
  const diff: Diff = {};
  for (const field of HISTORY_FIELDS) if (after[field] !== ticket[field]) diff[field] = [ticket[field], after[field]];
  return diff;
}

function pick(ticket: TicketRow): Record<Column, unknown> {
  return Object.fromEntries(HISTORY_FIELDS.map((field) => [field, ticket[field]])) as Record<Column, unknown>;
}

function withoutUndefined(body: TicketChanges): Partial<Record<Column, unknown>> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

function historyAction(diff: Diff): 'assigned' | 'unassigned' | 'updated' {
  if (!diff.assignee_id) return 'updated';
  return diff.assignee_id[1] === null ? 'unassigned' : 'assigned';
}

/**
 * Writes the diff and its history row in one statement; no diff, no write. Returns the ticket
 * as it now is: when only its own columns changed (no assignee or alias, whose names it shows)
 * it is the locked row with the changed columns as stored and the new version, with no second
 * read. #18: the UPDATE, the history INSERT and the re-read were three round trips.
 */
export async function saveTicketChanges(
  trx: Knex.Transaction,
  actor: Actor,
  ticket: Authorized<TicketRow>,
  diff: Diff,
): Promise<TicketRow | undefined> {
  const names = Object.keys(diff) as Column[]; // column names from HISTORY_FIELDS, never from input
  if (names.length === 0) return ticket;
  const [saved] = await rawPrepared<Partial<TicketRow>>(
    trx,
    trx.raw(
      `with changed as (
         update tickets set ${names.map((name) => `"${name}" = ?`).join(', ')}, updated_at = now()
          where id = ?
         returning version, updated_at, ${names.map((name) => `"${name}"`).join(', ')}
       ), logged as (
         insert into ticket_history (ticket_id, group_id, actor_id, action, changes)
         select ?, ?, ?, ?, ?::jsonb from changed
       )
       select * from changed`,
      [
        ...names.map((name) => diff[name]![1] as Knex.Value),
        ticket.id,
        ticket.id,
        ticket.group_id,
        actor.userId,
        historyAction(diff),
        JSON.stringify(diff),
      ],
    ),
  );
  if (diff.assignee_id || diff.alias_id) return findTicket(trx, actor, ticket.id);
  // The changed columns as stored (a cost of "32.5" reads back "32.50"), with the new version.
  return { ...ticket, ...saved };
}

/** Deletes the ticket; its history keeps a row saying what was deleted. */
export async function deleteTicket(trx: Knex.Transaction, actor: Actor, ticket: Authorized<TicketRow>): Promise<void> {
  await recordDeletions(trx, actor, { id: ticket.id });
  await trx('tickets').where({ id: ticket.id }).delete();
}
