// Email verification (SPEC §7): sign-up mails a verify_email link (links.ts: single-use, 24
// hours, kept hashed); spending it sets users.email_verified_at. Until then the account may sign
// in, verify and ask for a new link — nothing else (the rule: requireVerified in policies/rules.ts).
//
// Sign-up reveals nothing: a taken address gets no account and no field error; its owner is
// mailed "someone tried to sign up with your address", and the person sees the same page.
import type { Knex } from 'knex';
import { enqueueMail } from '../mail/outbox';
import { hashPassword } from '../security/passwords';
import { createUser, findUserByEmail, isUniqueViolation, type NewUser } from '../users/users';
import { createLink, revokeLinks } from './links';

/** What the rule and the pages need of an account (never the password hash). */
export interface AccountStatus {
  id: string;
  email: string;
  first_name: string;
  email_verified_at: Date | null;
}

/** Verification mails (sign-up's included) an account gets per hour; more is a clear refusal. */
export const VERIFICATION_MAILS_PER_HOUR = 3;

/** `lock`: FOR UPDATE in the caller's transaction, so two resends count one after the other. */
export function findAccountStatus(db: Knex, userId: string, { lock = false } = {}): Promise<AccountStatus | undefined> {
  const query = db('users').where({ id: userId });
  return (lock ? query.forUpdate() : query).first<AccountStatus | undefined>(
    'id',
    'email',
    'first_name',
    'email_verified_at',
  );
}

/** The address is verified (once: a later call keeps the first time); its other links stop working. */
export async function markVerified(trx: Knex.Transaction, userId: string): Promise<void> {
  await trx('users')
    .where({ id: userId })
    .whereNull('email_verified_at')
    .update({ email_verified_at: trx.fn.now(), updated_at: trx.fn.now() });
  await revokeLinks(trx, userId, 'verify_email');
}

/**
 * A new link (the older ones stop working) and its mail, in `trx`. `returnTo` (a local path,
 * checked again when used) rides along so that someone who signed up on the way to an app
 * comes back to it.
 */
export async function sendVerificationMail(
  trx: Knex.Transaction,
  baseUrl: string,
  account: Pick<AccountStatus, 'id' | 'email' | 'first_name'>,
  returnTo?: string,
): Promise<void> {
  await revokeLinks(trx, account.id, 'verify_email');
  const token = await createLink(trx, { userId: account.id, purpose: 'verify_email' });
  const query = new URLSearchParams({ token, ...(returnTo ? { return_to: returnTo } : {}) });
  await enqueueMail(trx, {
    to: account.email,
    subject: 'Verify your email address for SeatShare',
    template: 'verify-email',
    data: { name: account.first_name, link: `${baseUrl}/verify-email?${query.toString()}` },
  });
}

/**
 * Sign-up, answering nothing on purpose: the caller shows the same page either way. A fresh
 * address gets an unverified account and the verification mail, in one transaction; a taken
 * one (or one taken by a concurrent sign-up a moment earlier) gets its owner told. The taken
 * path hashes the password too, so it is not measurably faster.
 */
export async function signUp(knex: Knex, baseUrl: string, input: NewUser, returnTo?: string): Promise<void> {
  try {
    const created = await knex.transaction(async (trx) => {
      if (await findUserByEmail(trx, input.email)) return false;
      const user = await createUser(trx, input);
      await sendVerificationMail(trx, baseUrl, user, returnTo);
      return true;
    });
    if (created) return;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  await hashPassword(input.password);
  const owner = await findUserByEmail(knex, input.email);
  if (!owner) return; // deleted in between: nothing to tell anyone
  await enqueueMail(knex, {
    to: owner.email,
    subject: 'Someone tried to sign up with your address',
    template: 'signup-attempt',
    data: { name: owner.first_name, loginLink: `${baseUrl}/login`, resetLink: `${baseUrl}/forgot-password` },
  });
}
