// The input contract of /api/v1/tickets.
import { z } from 'zod';
import { pageFields } from '../../../http/pagination';
import { updatedSinceField } from '../deletions/schema';
import { showValues } from '../events/schema';
import { freeText, money, queryBoolean, recordId, reference, text } from '../fields';

export const ticketPath = z.strictObject({ id: recordId.meta({ description: 'A ticket of your groups.' }) });

const me = z.literal('me', { error: 'must be me' });

export const listTicketsQuery = z.strictObject({
  ...pageFields,
  owner: me.optional().meta({ description: 'Tickets you own.' }),
  assignee: me.optional().meta({ description: 'Tickets assigned to you.' }),
  show: showValues.optional().meta({ description: 'By event start; only tickets you own or are assigned.' }),
  group_id: z.string().optional().meta({ description: 'One of your groups, else 404.' }),
  event_id: z.string().optional().meta({ description: 'An event of your groups, else 404.' }),
  available: queryBoolean
    .optional()
    .meta({ description: '`true`: tickets without an assignee; `false`: assigned ones.' }),
  ...updatedSinceField,
});

const place = text(0, 20);

export const updateTicketBody = z.strictObject({
  cost: money.optional(),
  note: freeText.optional(),
  assignee_id: reference
    .nullable()
    .optional()
    .meta({ description: "A member of the ticket's group, or null: available." }),
  alias_id: reference.nullable().optional().meta({ description: 'One of your aliases, on a ticket assigned to you.' }),
  section: place.optional().meta({ description: 'The owner only.' }),
  row: place.optional().meta({ description: 'The owner only.' }),
  seat: place.optional().meta({ description: 'The owner only.' }),
});

export type TicketChanges = z.output<typeof updateTicketBody>;

const NOT_BLANK = 'at least one of section, row and seat must not be blank';

export const createTicketBody = z
  .strictObject({
    event_id: reference.optional().meta({ description: 'One ticket: an event of your groups.' }),
    event_ids: z
      .array(reference)
      .min(1, 'must name at least one event')
      .max(200, 'must name at most 200 events')
      .optional()
      .meta({ description: 'A season: one ticket per event, all or nothing.' }),
    section: place.default(''),
    row: place.default(''),
    seat: place.default(''),
    cost: money.optional(),
    note: freeText.optional(),
    assignee_id: reference.nullable().optional().meta({ description: 'Defaults to you; null: available.' }),
  })
  .superRefine((body, context) => {
    if ((body.event_id === undefined) === (body.event_ids === undefined)) {
      context.addIssue({ code: 'custom', path: ['event_id'], message: 'give either event_id or event_ids' });
    }
    if (body.event_ids && new Set(body.event_ids).size !== body.event_ids.length) {
      context.addIssue({ code: 'custom', path: ['event_ids'], message: 'must not name an event twice' });
    }
    if (!body.section && !body.row && !body.seat)
      context.addIssue({ code: 'custom', path: ['seat'], message: NOT_BLANK });
  });

export type NewTickets = z.output<typeof createTicketBody>;

export const requestTicketBody = z.strictObject({ message: freeText.optional() });

export const historyQuery = z.strictObject({ ...pageFields });
