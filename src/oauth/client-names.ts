// Names users may give their applications (SPEC §3): none that poses as SeatShare itself. The
// consent page says who registered an app, but a user's app named "SeatShare" would still read
// like ours at a glance, so such names are refused at registration and rename. Operators (the
// CLI) are not held to this: their apps are SeatShare's.
import { z } from 'zod';

// Characters that read as a letter of "seatshare" (or as o/l/i, which attackers use for the same
// trick elsewhere): digits and symbols, and Cyrillic and Greek letters NFKC leaves alone. A Map:
// the keys are the user's characters, and a plain object would answer for `constructor`.
const LOOK_ALIKES = new Map<string, string>([
  ['0', 'o'],
  ['1', 'l'],
  ['!', 'i'],
  ['|', 'l'],
  ['3', 'e'],
  ['4', 'a'],
  ['@', 'a'],
  ['5', 's'],
  ['$', 's'],
  ['7', 't'],
  ['+', 't'],
  ['8', 'b'],
  ['а', 'a'],
  ['е', 'e'],
  ['ѕ', 's'],
  ['т', 't'],
  ['һ', 'h'],
  ['н', 'h'],
  ['г', 'r'],
  ['о', 'o'], // Cyrillic
  ['α', 'a'],
  ['ε', 'e'],
  ['τ', 't'],
  ['η', 'h'],
  ['ο', 'o'], // Greek
]);

/**
 * The letters a reader sees: NFKC (fullwidth "ＳｅａｔＳｈａｒｅ" → "SeatShare"), accents dropped,
 * lower case, look-alikes mapped, and everything but letters and digits removed ("S e-a_t").
 */
export function readAs(name: string): string {
  return [...name.normalize('NFKC').normalize('NFD').toLowerCase()]
    .map((char) => LOOK_ALIKES.get(char) ?? char)
    .join('')
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** Whether a name reads as containing "SeatShare" ("Seat Share", "S3atShare", "ＳｅａｔＳｈａｒｅ"). */
export function posesAsSeatShare(name: string): boolean {
  return readAs(name).includes('seatshare');
}

export const POSES_AS_SEATSHARE =
  'must not pose as SeatShare: only the SeatShare operators publish apps under that name';

/** An application name a user may choose (the operators' CLI takes any name). */
export const userClientNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be blank')
  .max(100, 'must be at most 100 characters')
  .refine((name) => !posesAsSeatShare(name), POSES_AS_SEATSHARE);
