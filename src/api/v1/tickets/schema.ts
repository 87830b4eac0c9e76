// The input contract of /api/v1/tickets.
import { z } from 'zod';
import { pageFields } from '../../../http/pagination';
import { showValues } from '../events/schema';
import { freeText, money, queryBoolean, reference, text } from '../fields';

const me = z.literal('me', { error: 'must be me' });

export const listTicketsQuery = z.strictObject({
  ...pageFields,
  owner: me.optional(), // tickets you own
  assignee: me.optional(), // tickets assigned to you
  show: showValues.optional(), // by event start; only tickets you own or are assigned
  group_id: z.string().optional(), // one of your groups, else 404
  event_id: z.string().optional(), // an event of your groups, else 404
  available: queryBoolean.optional(), // true: no assignee; false: assigned
});

const place = text(0, 20);

export const updateTicketBody = z.strictObject({
  cost: money.optional(),
  note: freeText.optional(),
  assignee_id: reference.nullable().optional(), // a member of the ticket's group, or null: available
  alias_id: reference.nullable().optional(), // one of your aliases, on a ticket assigned to you
  section: place.optional(), // section, row, seat: the owner only
  row: place.optional(),
  seat: place.optional(),
});

export type TicketChanges = z.output<typeof updateTicketBody>;
