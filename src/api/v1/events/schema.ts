// The input contract of /api/v1/events.
import { z } from 'zod';
import { pageFields } from '../../../http/pagination';
import { updatedSinceField } from '../deletions/schema';
import { dateTime, freeText, queryBoolean, recordId, reference, text } from '../fields';

export const eventPath = z.strictObject({ id: recordId.meta({ description: 'An event of your groups.' }) });

export const showValues = z.enum(['past', 'future'], { error: 'must be past or future' });

export const listEventsQuery = z.strictObject({
  ...pageFields,
  show: showValues.optional().meta({ description: 'Future: start ≥ now; past: start < now.' }),
  group_id: z.string().optional().meta({ description: 'One of your groups, else 404.' }),
  ordering: z.enum(['start_time', '-start_time'], { error: 'must be start_time or -start_time' }).default('start_time'),
  ...updatedSinceField,
});

export const createEventBody = z.strictObject({
  group_id: reference.meta({ description: 'One of your groups, where you are admin.' }),
  name: text(1, 200),
  description: freeText.optional(),
  start_time: dateTime,
  date_tba: z
    .boolean({ error: 'must be true or false' })
    .optional()
    .meta({ description: 'The date is not fixed yet.' }),
  time_tba: z
    .boolean({ error: 'must be true or false' })
    .optional()
    .meta({ description: 'The day is, the hour is not.' }),
});

export const updateEventBody = createEventBody.omit({ group_id: true }).partial();

export const deleteEventQuery = z.strictObject({
  force: queryBoolean.optional().meta({ description: "Also delete the event's tickets." }),
});
