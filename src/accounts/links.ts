// The single-use links SeatShare mails (SPEC §7): email verification (24 hours), password reset
// (1 hour) and email change (24 hours). The token is 256-bit random (`ssl_…`), stored only as
// its SHA-256 digest, and spent by one `UPDATE … RETURNING` — two clicks racing get one row —
// after its user's row is locked (spendLink: the lock order of every account change).
import type { Knex } from 'knex';
import { generateToken, hashToken } from '../security/tokens';

export type LinkPurpose = 'verify_email' | 'reset_password' | 'change_email';

const HOUR_MS = 60 * 60 * 1000;
export const LINK_LIFETIME_MS: Record<LinkPurpose, number> = {
  verify_email: 24 * HOUR_MS,
  reset_password: HOUR_MS,
  change_email: 24 * HOUR_MS,
};

export interface SpentLink {
  user_id: string;
  new_email: string | null;
}

/** A new link for `userId`; returns the plain token (to put in the mailed URL, never stored). */
export async function createLink(
  db: Knex,
  input: { userId: string; purpose: LinkPurpose; newEmail?: string },
): Promise<string> {
  const token = generateToken('account_link');
  await db('account_links').insert({
    user_id: input.userId,
    purpose: input.purpose,
    token_hash: hashToken(token),
    new_email: input.newEmail ?? null,
    expires_at: new Date(Date.now() + LINK_LIFETIME_MS[input.purpose]),
  });
  return token;
}

/** A live, unspent link of this purpose, without spending it (a page that shows a form first). */
export function findUsableLink(db: Knex, token: string, purpose: LinkPurpose): Promise<SpentLink | undefined> {
  return db('account_links')
    .where({ token_hash: hashToken(token), purpose })
    .whereNull('used_at')
    .where('expires_at', '>', db.fn.now())
    .first<SpentLink | undefined>('user_id', 'new_email');
}

/**
 * Spends a live link after locking its user's row (FOR UPDATE): its user (and new email), or
 * undefined when unknown, used or expired — also when a concurrent request spent it while this
 * one waited. Every change of an account takes the user's row first, then its links (a reset, an
 * email change, a verification, a password change each revoke the others' links): one order,
 * so two at once queue instead of deadlocking.
 */
export async function spendLink(
  trx: Knex.Transaction,
  token: string,
  purpose: LinkPurpose,
): Promise<SpentLink | undefined> {
  const pending = await findUsableLink(trx, token, purpose);
  if (!pending) return undefined;
  await trx('users').where({ id: pending.user_id }).forUpdate().first('id');
  return spendUnlocked(trx, token, purpose);
}

async function spendUnlocked(db: Knex, token: string, purpose: LinkPurpose): Promise<SpentLink | undefined> {
  const [row] = await db('account_links')
    .where({ token_hash: hashToken(token), purpose })
    .whereNull('used_at')
    .where('expires_at', '>', db.fn.now())
    .update({ used_at: db.fn.now() })
    .returning<SpentLink[]>(['user_id', 'new_email']);
  return row;
}

/** Ends every unspent link of this purpose for the user (a new one replaces them; a reset spends them all). */
export async function revokeLinks(db: Knex, userId: string, purpose: LinkPurpose): Promise<void> {
  await db('account_links').where({ user_id: userId, purpose }).whereNull('used_at').update({ used_at: db.fn.now() });
}

/**
 * The links of this purpose made for the user in the last hour, spent or not: the hourly limits
 * of verification resends and email changes count these (durable, the same in every process).
 */
export async function linksMadeInLastHour(db: Knex, userId: string, purpose: LinkPurpose): Promise<number> {
  const row = await db('account_links')
    .where({ user_id: userId, purpose })
    .where('created_at', '>', db.raw("now() - interval '1 hour'"))
    .count<{ count: string | number }>('* as count')
    .first();
  return Number(row?.count ?? 0);
}

/** Background purge: links a day past their expiry. */
export async function purgeExpiredLinks(db: Knex): Promise<number> {
  return db('account_links').where('expires_at', '<', db.raw("now() - interval '1 day'")).del();
}
