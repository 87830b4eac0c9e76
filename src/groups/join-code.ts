import { randomInt } from 'node:crypto';

// Unambiguous upper-case letters and digits (no 0/O, 1/I/L): read aloud or typed from paper.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A group's reusable join code, e.g. "K7QXM-2PD9R-TA4HB" (15 characters, about 74 bits). */
export function generateJoinCode(): string {
  const chars = Array.from({ length: 15 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return [chars.slice(0, 5), chars.slice(5, 10), chars.slice(10)].map((part) => part.join('')).join('-');
}
