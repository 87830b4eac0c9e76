// Field types shared by the API's zod schemas (SPEC §4: text limits, trimming, money).
import { z } from 'zod';
import { UUID } from '../../policies/ids';

// PostgreSQL text cannot hold NUL: refused here with the field's name rather than by SQL.
const withoutNul = (value: string) => !value.includes('\u0000');
const NUL = 'must not contain NUL characters';

/** Trimmed text of `min`–`max` characters. */
export function text(min: number, max: number) {
  const trimmed = z.string().refine(withoutNul, NUL).trim();
  return (
    min > 0 ? trimmed.min(min, min === 1 ? 'must not be blank' : `must be at least ${min} characters`) : trimmed
  ).max(max, `must be at most ${max} characters`);
}

export const personName = text(1, 100); // first, last, alias and group names
export const freeText = text(0, 5000); // bio, description, note

/** Money as a decimal string ("32.00"); a JSON number is accepted too. At most numeric(10,2). */
export const money = z
  .union([z.string().trim(), z.number()], { error: 'must be a decimal amount such as "32.00"' })
  .transform((value) => (typeof value === 'number' ? String(value) : value))
  .refine(
    (value) => /^\d{1,8}(\.\d{1,2})?$/.test(value),
    'must be an amount from 0 to 99999999.99 with at most two decimals',
  )
  .transform((value) => Number(value).toFixed(2));

/** A record's id in a path (`/tickets/:id`): a malformed one is a 404 (http/validate.ts). */
export const recordId = z.string().regex(UUID).meta({ format: 'uuid' });

/**
 * The id of a record inside another (`/groups/:id/members/:user_id`), checked by its finder
 * (isUuid) after the parent's policy: a member who may not manage the group hears 403 for any
 * id, malformed or not, and only then does a malformed id answer 404.
 */
export const innerRecordId = z.string().meta({ format: 'uuid' });

/** A reference to another record by id, checked against the database by the route (400 if unusable). */
export const reference = z.string({ error: 'must be an id' });

/** A code or token as a client sends it: trimmed, at most `max` characters, never NUL. */
export function code(max: number, error: string) {
  return z.string({ error }).refine(withoutNul, NUL).trim().min(1, 'must not be blank').max(max, error);
}

/**
 * An ISO 8601 date-time with Z or an offset ("2027-03-01T19:30:00Z"), as a Date. Years 1900 to
 * 9999 in UTC: year 0000 is no year to PostgreSQL, and an offset can push 9999 into 10000.
 */
export const dateTime = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as "2027-03-01T19:30:00Z"' })
  .transform((value) => new Date(value))
  .refine(
    (date) => date.getUTCFullYear() >= 1900 && date.getUTCFullYear() <= 9999,
    'must be between the years 1900 and 9999',
  );

/** A boolean query parameter. */
export const queryBoolean = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .transform((value) => value === 'true');

/** IANA time zone names, as the runtime knows them ("Europe/Vienna", "UTC"). */
export const timeZone = z.string().refine((zone) => {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone name such as "Europe/Vienna"');

/** ISO 8601 in UTC with Z (SPEC §4). */
export const iso = (date: Date): string => date.toISOString();
