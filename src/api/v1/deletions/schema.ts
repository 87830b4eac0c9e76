// The input contract of /api/v1/deletions, and the one time field of delta sync, which the
// lists' `updated_since` share (imported through this file, a resource's public surface).
import { z } from 'zod';
import { pageFields } from '../../../http/pagination';

// RFC 3339 (the ISO 8601 profile JSON uses): a date, a time, an optional fraction of up to six
// digits (PostgreSQL keeps microseconds, and X-Sync-Time sends them), and Z or an offset.
const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-](\d{2}):(\d{2}))$/i;
const NOT_A_TIME = 'must be a time in ISO 8601 form, e.g. 2026-12-01T09:30:00.123456Z';

/**
 * A real moment that PostgreSQL takes: the date exists (no 2026-02-30: Date.parse would roll it
 * over), the year is 1 to 9999, the time is in range, and the offset at most ±15:59 (PostgreSQL
 * refuses more with 22009, which would otherwise surface as a 500).
 */
function isRealTime(value: string): boolean {
  const m = RFC_3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [offsetHours, offsetMinutes] = [Number(m[9] ?? 0), Number(m[10] ?? 0)];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  return (
    year >= 1 &&
    calendar.getUTCFullYear() === year &&
    calendar.getUTCMonth() === month - 1 &&
    calendar.getUTCDate() === day &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 15 &&
    offsetMinutes <= 59
  );
}

/** A time as sent (kept as text so PostgreSQL reads its microseconds); refused unless it is one. */
export function syncTime(description: string) {
  return z
    .string({ error: NOT_A_TIME })
    .regex(RFC_3339, { error: NOT_A_TIME, abort: true }) // one message, not one per check
    .refine(isRealTime, NOT_A_TIME)
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
