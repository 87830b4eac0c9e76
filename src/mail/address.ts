// One mailbox (`a@b.example` or `Name <a@b.example>`), read with nodemailer's own parser so
// that what we accept is what it will send: no list, no group, no line break (header injection).
import addressparser from 'nodemailer/lib/addressparser';

/** The address part of `value` when it is exactly one mailbox, else undefined. */
export function singleMailbox(value: string): string | undefined {
  if (/[\r\n]/.test(value)) return undefined;
  const parsed = addressparser(value);
  const only = parsed.length === 1 ? parsed[0] : undefined;
  if (!only || only.group) return undefined;
  return /^[^\s@<>,;"]+@[^\s@<>,;"]+$/.test(only.address) ? only.address : undefined;
}
