// Changing the email address (SPEC §7), re-verified at the new address. Asking (signed in,
// current password) mails a change_email link to the new address (links.ts: single-use, 24
// hours, hashed, carrying the new address) and tells the current one, which can stop it by
// changing the password (password-pages.ts revokes change_email links). Following the link
// switches the address, marks it verified and tells the old address.
//
// It reveals nothing about other accounts: an address already taken gets the same reply on the
// page, and its owner is told someone tried to use it. An account never verified may change its
// address too (the usual fix for a typo at sign-up); its old address, never proven, is not mailed.
import type { Knex } from 'knex';
import { enqueueMail } from '../mail/outbox';
import { findUserByEmail } from '../users/users';
import { createLink, revokeLinks, spendLink } from './links';
import { emailChangedMail, emailChangeRequestedMail } from './notifications';
import { findAccountStatus, type AccountStatus } from './verification';

/** Change links an account may ask for per hour: each one mails an address the asker names. */
export const EMAIL_CHANGE_MAILS_PER_HOUR = 3;

/**
 * Mails the confirmation link to `newEmail` (the newest link is the one that works), or, when
 * `newEmail` belongs to another account, tells its owner instead. Either way the current address
 * is told (it is true: a change was asked for) and a link is made, so the hourly limit counts
 * both: the asker, who reads the current mailbox, learns nothing about the other address. The
 * taken case's link is never mailed, so nobody can follow it.
 */
export async function requestEmailChange(
  trx: Knex.Transaction,
  baseUrl: string,
  account: AccountStatus,
  newEmail: string,
): Promise<void> {
  await revokeLinks(trx, account.id, 'change_email');
  const token = await createLink(trx, { userId: account.id, purpose: 'change_email', newEmail });
  const holder = await findUserByEmail(trx, newEmail);
  if (holder)
    await enqueueMail(trx, {
      to: holder.email,
      subject: 'Someone tried to use your address on SeatShare',
      template: 'address-in-use',
      data: { name: holder.first_name, loginLink: `${baseUrl}/login`, resetLink: `${baseUrl}/forgot-password` },
    });
  else
    await enqueueMail(trx, {
      to: newEmail,
      subject: 'Confirm your new email address for SeatShare',
      template: 'confirm-email-change',
      data: {
        name: account.first_name,
        newEmail,
        link: `${baseUrl}/confirm-email?token=${encodeURIComponent(token)}`,
      },
    });
  if (account.email_verified_at) await enqueueMail(trx, emailChangeRequestedMail(baseUrl, account, newEmail));
}

export type EmailChangeOutcome =
  | { outcome: 'changed'; userId: string; newEmail: string }
  | { outcome: 'refused' } // unknown, used or expired link
  | { outcome: 'taken' }; // the address became another account's meanwhile

/**
 * Spends the link and switches the address, verified; every other link of the account stops
 * working (a reset link sent to the old address must not reach the account any more). The
 * caller runs it in a transaction and treats a unique violation as `taken` (a concurrent sign-up).
 */
export async function confirmEmailChange(
  trx: Knex.Transaction,
  baseUrl: string,
  token: string,
): Promise<EmailChangeOutcome> {
  const link = await spendLink(trx, token, 'change_email'); // locks the user's row first
  if (!link?.new_email) return { outcome: 'refused' };
  const before = await findAccountStatus(trx, link.user_id);
  if (!before) return { outcome: 'refused' };
  const holder = await findUserByEmail(trx, link.new_email);
  if (holder && holder.id !== before.id) return { outcome: 'taken' };

  await trx('users')
    .where({ id: before.id })
    .update({ email: link.new_email, email_verified_at: trx.fn.now(), updated_at: trx.fn.now() });
  for (const purpose of ['verify_email', 'reset_password', 'change_email'] as const)
    await revokeLinks(trx, before.id, purpose);
  if (before.email_verified_at)
    await enqueueMail(trx, emailChangedMail(baseUrl, { ...before, email: link.new_email }, before.email));
  return { outcome: 'changed', userId: before.id, newEmail: link.new_email };
}
