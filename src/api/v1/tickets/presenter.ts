// Tickets as the API shows them (SPEC §5), with the event, owner, assignee and alias
// summaries that the list query joins in (no query per row); and their history entries.
import { z } from 'zod';
import { viewTag, type Version } from '../../../http/conditional';
import { displayName } from '../../../users/display-name';
import { iso } from '../fields';
import { id, named, summary, timestamp } from '../views';

export const ticketView = named(
  'Ticket',
  z.strictObject({
    id,
    group_id: id,
    event_id: id,
    event: z.strictObject({ id, name: z.string(), start_time: timestamp }),
    owner: summary.meta({ description: 'The member who holds the ticket of record.' }),
    assignee: summary.nullable().meta({ description: 'Who the seat is for; null when the ticket is available.' }),
    alias: summary.nullable().meta({ description: "One of the assignee's aliases: the seat is for them." }),
    section: z.string(),
    row: z.string(),
    seat: z.string(),
    display_name: z.string().meta({ description: 'The non-blank parts of section, row and seat: "326 K 9".' }),
    cost: z.string().meta({ description: 'A decimal string, e.g. "32.00".' }),
    note: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
  }),
);

/** A row of the tickets table (the generated *_sort columns left out). */
export interface TicketRecord {
  id: string;
  group_id: string;
  event_id: string;
  owner_id: string;
  assignee_id: string | null;
  alias_id: string | null;
  section: string;
  row: string;
  seat: string;
  /** numeric(10, 2): a decimal string. */
  cost: string;
  note: string;
  created_at: Date;
  updated_at: Date;
  version: Version;
}

/** A ticket as the scoped queries read it: the record and what the presenter names. */
export interface TicketRow extends TicketRecord {
  event_name: string;
  event_start_time: Date;
  /** The display names (users/display-name.ts, computed in SQL) of the owner, assignee and alias. */
  owner_name: string;
  assignee_name: string | null;
  alias_name: string | null;
}

/** "326 K 9": the non-blank parts of the place. */
export function seatName(ticket: Pick<TicketRow, 'section' | 'row' | 'seat'>): string {
  return [ticket.section, ticket.row, ticket.seat].filter((part) => part.trim() !== '').join(' ');
}

/**
 * The ETag of presentTicket's view: the ticket's version and what the view takes from other
 * rows (the event's name and start, the owner's, assignee's and alias's names).
 */
export function ticketTag(ticket: TicketRow): string {
  return viewTag([
    'ticket',
    ticket.id,
    ticket.version,
    ticket.event_name,
    ticket.event_start_time,
    ticket.owner_name,
    ticket.assignee_name,
    ticket.alias_name,
  ]);
}

export function presentTicket(ticket: TicketRow): z.output<typeof ticketView> {
  return {
    id: ticket.id,
    group_id: ticket.group_id,
    event_id: ticket.event_id,
    event: { id: ticket.event_id, name: ticket.event_name, start_time: iso(ticket.event_start_time) },
    owner: { id: ticket.owner_id, display_name: ticket.owner_name },
    assignee: ticket.assignee_id ? { id: ticket.assignee_id, display_name: ticket.assignee_name! } : null,
    alias: ticket.alias_id ? { id: ticket.alias_id, display_name: ticket.alias_name! } : null,
    section: ticket.section,
    row: ticket.row,
    seat: ticket.seat,
    display_name: seatName(ticket),
    cost: ticket.cost,
    note: ticket.note,
    created_at: iso(ticket.created_at),
    updated_at: iso(ticket.updated_at),
  };
}

// --- History -------------------------------------------------------------------------------

type HistoryChanges = Record<string, [unknown, unknown]>;

export interface HistoryRow {
  id: string;
  action: 'created' | 'updated' | 'assigned' | 'unassigned' | 'requested' | 'deleted';
  actor_id: string | null;
  actor_first_name: string | null;
  actor_last_name: string | null;
  /** {field: [old, new]}, as the driver hands jsonb over (parsed, or as its text). */
  changes: HistoryChanges | string;
  message: string | null;
  created_at: Date;
}

// A deleted account leaves its history entries behind (SPEC §7), as GitHub's "ghost" does: the
// key to the user is cleared (ticket_history.actor_id ON DELETE SET NULL) and nothing of the
// person is kept, so the entry names a "deleted user" with no id. Every entry is written with
// its actor, so a null actor_id means exactly that.
export const DELETED_USER = 'deleted user';

const historyActor = z.strictObject({
  id: id.nullable().meta({ description: 'null when their account was deleted.' }),
  display_name: z.string().meta({ description: `"${DELETED_USER}" when their account was deleted.` }),
});

export const historyEntryView = named(
  'TicketHistoryEntry',
  z.strictObject({
    id,
    action: z.enum(['created', 'updated', 'assigned', 'unassigned', 'requested', 'deleted']),
    actor: historyActor.meta({ description: 'Who did it.' }),
    // Two items, old then new: an array of exactly two rather than a tuple, whose JSON Schema
    // (prefixItems without items) linters read as an array with no item schema.
    changes: z.record(z.string(), z.array(z.unknown()).length(2)).meta({ description: '{field: [old, new]}' }),
    message: z.string().nullable().meta({ description: 'The message of a request.' }),
    created_at: timestamp,
  }),
);

export function presentHistoryEntry(entry: HistoryRow): z.output<typeof historyEntryView> {
  const changes = typeof entry.changes === 'string' ? (JSON.parse(entry.changes) as HistoryChanges) : entry.changes;
  return {
    id: entry.id,
    action: entry.action,
    actor: entry.actor_id
      ? { id: entry.actor_id, display_name: displayName(entry.actor_first_name!, entry.actor_last_name!) }
      : { id: null, display_name: DELETED_USER },
    changes,
    message: entry.message,
    created_at: iso(entry.created_at),
  };
}
