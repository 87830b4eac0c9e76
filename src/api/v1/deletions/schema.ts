// The input contract of /api/v1/deletions, and the one time field of delta sync, which the
// lists' `updated_since` share (imported through this file, a resource's public surface).
import { z } from 'zod';
import { pageFields } from '../../../http/pagination';

// RFC 3339 (the ISO 8601 profile JSON uses): a date, a time, an optional fraction of up to six
// digits (PostgreSQL keeps microseconds, and X-Sync-Time sends them), and Z or an offset.
const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/i;
const NOT_A_TIME = 'must be a time in ISO 8601 form, e.g. 2026-12-01T09:30:00.123456Z';

/** A time as sent (kept as text so PostgreSQL reads its microseconds); refused unless it is one. */
export function syncTime(description: string) {
  return z
    .string({ error: NOT_A_TIME })
    .regex(RFC_3339, { error: NOT_A_TIME, abort: true }) // one message, not one per check
    .refine((value) => !Number.isNaN(Date.parse(value)), NOT_A_TIME)
    .meta({ format: 'date-time', description });
}

/** Spread into a list's query schema. */
export const updatedSinceField = {
  updated_since: syncTime(
    'Delta sync: only records that changed, or came into your view, at or after this time. Send the ' +
      '`X-Sync-Time` of your previous round, never a device clock.',
  ).optional(),
};

export const listDeletionsQuery = z.strictObject({
  ...pageFields,
  since: syncTime(
    'Records that left your view at or after this time: the `X-Sync-Time` of your previous round. Without ' +
      'it, an empty page whose `X-Sync-Time` starts your first sync.',
  ).optional(),
});
