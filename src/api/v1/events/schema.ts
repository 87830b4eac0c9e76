// The input contract of /api/v1/events.
import { z } from 'zod';
import { pageFields } from '../../../http/pagination';

export const showValues = z.enum(['past', 'future'], { error: 'must be past or future' });

export const listEventsQuery = z.strictObject({
  ...pageFields,
  show: showValues.optional(), // future: start ≥ now; past: start < now
  group_id: z.string().optional(), // one of your groups, else 404
  ordering: z.enum(['start_time', '-start_time'], { error: 'must be start_time or -start_time' }).default('start_time'),
});
