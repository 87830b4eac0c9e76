// Events as the API shows them (SPEC §5), with the caller's view of their seats.
import type { Role } from '../../../policies/rules';
import { z } from 'zod';
import { viewTag, type Version } from '../../../http/conditional';
import { iso } from '../fields';
import { id, named, timestamp } from '../views';

const count = z.number().int();

export const eventView = named(
  'Event',
  z.strictObject({
    id,
    group_id: id,
    name: z.string(),
    description: z.string(),
    start_time: timestamp,
    date_tba: z.boolean().meta({ description: 'The date is not fixed yet.' }),
    time_tba: z.boolean().meta({ description: 'The day is fixed, the hour is not.' }),
    ticket_counts: z
      .strictObject({ total: count, available: count, mine: count })
      .meta({ description: 'Tickets for the event: all, without an assignee, and assigned to you.' }),
    created_at: timestamp,
  }),
);

type TicketCounts = { total: number; available: number; mine: number };

/** A row of the events table. */
export interface EventRecord {
  id: string;
  group_id: string;
  name: string;
  description: string;
  start_time: Date;
  date_tba: boolean;
  time_tba: boolean;
  created_at: Date;
  updated_at: Date;
  version: Version;
}

/** An event as the scoped queries read it (eventColumns): the record, the caller's role and the counts. */
export interface EventRow extends Omit<EventRecord, 'updated_at'> {
  role: Role; // the caller's role in the event's group (not presented; for the policy)
  /** json_build_object(total, available, mine): JSON, so it arrives parsed on both databases. */
  ticket_counts: TicketCounts | string;
}

/** The ETag of presentEvent's view, per caller: the event's version and its ticket counts (`mine` is the caller's). */
export function eventTag(event: EventRow): string {
  return viewTag(['event', event.id, event.version, ticketCounts(event)]);
}

function ticketCounts(event: EventRow): TicketCounts {
  const counts =
    typeof event.ticket_counts === 'string' ? (JSON.parse(event.ticket_counts) as TicketCounts) : event.ticket_counts;
  return { total: Number(counts.total), available: Number(counts.available), mine: Number(counts.mine) };
}

export function presentEvent(event: EventRow): z.output<typeof eventView> {
  return {
    id: event.id,
    group_id: event.group_id,
    name: event.name,
    description: event.description,
    start_time: iso(event.start_time),
    date_tba: event.date_tba,
    time_tba: event.time_tba,
    ticket_counts: ticketCounts(event),
    created_at: iso(event.created_at),
  };
}
