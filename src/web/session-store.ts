// express-session rows in the `sessions` table through knex, so both database modes share one
// store (connect-pg-simple needs a pg pool, which the embedded mode does not have) and several
// instances share sessions (SPEC §1 scale-out).
import session from 'express-session';
import type { Knex } from 'knex';

type Callback<T = void> = (error?: unknown, value?: T) => void;

// Only for a session without a cookie expiry, which src/web/session.ts never makes: no longer
// than an anonymous session's.
const DEFAULT_LIFETIME_MS = 45 * 60 * 1000;

function expiry(sess: session.SessionData): Date {
  const expires = sess.cookie?.expires;
  return expires ? new Date(expires) : new Date(Date.now() + DEFAULT_LIFETIME_MS);
}

function userIdOf(sess: session.SessionData): string | null {
  const user = (sess as { passport?: { user?: unknown } }).passport?.user;
  return typeof user === 'string' ? user : null;
}

export class KnexSessionStore extends session.Store {
  constructor(private readonly knex: Knex) {
    super();
  }

  override get(sid: string, callback: Callback<session.SessionData | null>): void {
    this.knex('sessions')
      .where({ sid })
      .where('expires_at', '>', this.knex.fn.now())
      .first<{ sess: session.SessionData } | undefined>('sess')
      .then((row) => callback(undefined, row ? row.sess : null), callback);
  }

  override set(sid: string, sess: session.SessionData, callback?: Callback): void {
    const row = { sid, sess: JSON.stringify(sess), expires_at: expiry(sess), user_id: userIdOf(sess) };
    this.knex('sessions')
      .insert(row)
      .onConflict('sid')
      .merge(['sess', 'expires_at', 'user_id'])
      .then(
        () => callback?.(),
        (error) => callback?.(error),
      );
  }

  override touch(sid: string, sess: session.SessionData, callback?: Callback): void {
    this.knex('sessions')
      .where({ sid })
      .update({ expires_at: expiry(sess) })
      .then(
        () => callback?.(),
        (error) => callback?.(error),
      );
  }

  override destroy(sid: string, callback?: Callback): void {
    this.knex('sessions')
      .where({ sid })
      .del()
      .then(
        () => callback?.(),
        (error) => callback?.(error),
      );
  }
}

const PRUNE_BATCH = 1000;

/**
 * Deletes expired sessions in batches through the `expires_at` index, so one statement never
 * holds thousands of row locks however many anonymous visitors came by (src/background.ts runs it).
 */
export async function pruneExpiredSessions(knex: Knex, batch = PRUNE_BATCH): Promise<number> {
  let total = 0;
  for (;;) {
    const expired = knex('sessions').select('sid').where('expires_at', '<=', knex.fn.now()).limit(batch);
    const deleted = await knex('sessions').whereIn('sid', expired).del();
    total += deleted;
    if (deleted < batch) return total;
  }
}

/**
 * Signs the user out of every session but `keepSid` (none: everywhere) — a password reset, "sign
 * out everywhere else" on /account/sessions. Sessions are rows, so every instance sees it at once.
 */
export async function deleteSessionsOfUser(knex: Knex, userId: string, keepSid?: string): Promise<number> {
  const query = knex('sessions').where({ user_id: userId });
  if (keepSid !== undefined) void query.whereNot({ sid: keepSid });
  return query.del();
}
