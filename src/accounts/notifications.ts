// The mails that tell an account's owner what happened to it (SPEC §7: a new app authorized, the
// password or the email address changed). One home for their wording and links, so every
// notification says when, what, and where to undo it. Builders only: the callers enqueue the
// mail in the transaction of the change (mail/outbox.ts); notifyAppAuthorized does it for the
// consent, which the protocol code records.
import type { Knex } from 'knex';
import { enqueueMail, type OutgoingMail } from '../mail/outbox';
import { SCOPE_DESCRIPTIONS, type Scope } from '../oauth/scopes';
import { findSessionUser } from '../users/users';

interface Owner {
  email: string;
  first_name: string;
}

/** "2026-11-30 17:45 UTC": mail readers live in every time zone. */
export const mailTime = (date = new Date()) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The pages a worried owner needs, as absolute links. */
const accountLinks = (baseUrl: string) => ({
  resetLink: `${baseUrl}/forgot-password`,
  passwordLink: `${baseUrl}/account/password`,
  tokensLink: `${baseUrl}/account/tokens`,
  authorizationsLink: `${baseUrl}/account/authorizations`,
  sessionsLink: `${baseUrl}/account/sessions`,
});

export function passwordChangedMail(baseUrl: string, owner: Owner, how: 'reset' | 'changed'): OutgoingMail {
  return {
    to: owner.email,
    subject: 'Your SeatShare password was changed',
    template: 'password-changed',
    data: {
      name: owner.first_name,
      email: owner.email,
      how: how === 'reset' ? 'reset with a link we emailed' : 'changed on your account page',
      when: mailTime(),
      signedOut: how === 'reset' ? 'Every session was signed out.' : 'Your other sessions were signed out.',
      ...accountLinks(baseUrl),
    },
  };
}

/** Sent when an app gains access it did not have: a first approval, or new scopes. */
export function appAuthorizedMail(
  baseUrl: string,
  owner: Owner,
  app: { name: string },
  scopes: readonly Scope[],
): OutgoingMail {
  return {
    to: owner.email,
    subject: 'An app was authorized on your SeatShare account',
    template: 'app-authorized',
    data: {
      name: owner.first_name,
      email: owner.email,
      appName: app.name,
      scopes: scopes.map((scope) => SCOPE_DESCRIPTIONS[scope]),
      when: mailTime(),
      ...accountLinks(baseUrl),
    },
  };
}

/** Queues appAuthorizedMail in `trx`, the transaction that records the grant. */
export async function notifyAppAuthorized(
  trx: Knex.Transaction,
  baseUrl: string,
  userId: string,
  app: { name: string },
  scopes: readonly string[],
): Promise<void> {
  const owner = await findSessionUser(trx, userId);
  const known = scopes.filter((scope): scope is Scope => scope in SCOPE_DESCRIPTIONS);
  if (owner) await enqueueMail(trx, appAuthorizedMail(baseUrl, owner, app, known));
}

/**
 * To the current address when a change to `newEmail` is asked for: nothing changes until the
 * link mailed to the new address is followed (24 hours), and changing the password stops it.
 */
export function emailChangeRequestedMail(baseUrl: string, owner: Owner, newEmail: string): OutgoingMail {
  return {
    to: owner.email,
    subject: 'A change of your SeatShare email address was requested',
    template: 'email-change-requested',
    data: { name: owner.first_name, email: owner.email, newEmail, when: mailTime(), ...accountLinks(baseUrl) },
  };
}

/** To the old address once the change is done. */
export function emailChangedMail(baseUrl: string, owner: Owner, oldEmail: string): OutgoingMail {
  return {
    to: oldEmail,
    subject: 'Your SeatShare email address was changed',
    template: 'email-changed',
    data: { name: owner.first_name, oldEmail, newEmail: owner.email, when: mailTime(), ...accountLinks(baseUrl) },
  };
}
