// express-session rows in the `sessions` table through knex, so both database modes share one
// store (connect-pg-simple needs a pg pool, which the embedded mode does not have) and several
// instances share sessions (SPEC §1 scale-out).
//
// A signed-in session's row also records when it began and was last seen, and from which address
// and browser (/account/sessions, SPEC §7). express-session's store API passes no request, but the
// session it passes is `req.session`, whose `req` (a property express-session defines on every
// Session) is the request: so the store writes them in the statements it runs anyway, and a page
// view costs no extra statement. A touch (every request of an unchanged session) writes the row at
// most once a minute, like personal tokens' last_used_at.
import { createHash } from 'node:crypto';
import type { Request } from 'express';
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

/** How often a touch may write a session's row (and so its last_seen_at). */
export const LAST_SEEN_PRECISION_MS = 60 * 1000;
export const USER_AGENT_MAX = 300;

interface Visit {
  last_seen_at: Knex.Raw; // the database's clock, like created_at's default
  ip: string | null;
  user_agent: string | null;
}

// Signed-in sessions only: an anonymous one (a form's CSRF token) keeps nothing of its visitor.
function visitOf(knex: Knex, sess: session.SessionData): Visit | null {
  const req = (sess as { req?: Request }).req;
  if (!req || userIdOf(sess) === null) return null;
  const userAgent = req.get('user-agent');
  return {
    last_seen_at: knex.fn.now(),
    ip: req.ip ?? null, // with TRUST_PROXY, the client's address from X-Forwarded-For
    // eslint-disable-next-line no-control-regex -- control characters are what it drops
    user_agent: userAgent ? userAgent.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, USER_AGENT_MAX) : null,
  };
}

const NO_VISIT: Record<keyof Visit, null> = { last_seen_at: null, ip: null, user_agent: null };

const isForeignKeyViolation = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23503';

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
    const row = {
      sid,
      sess: JSON.stringify(sess),
      expires_at: expiry(sess),
      user_id: userIdOf(sess),
      ...(visitOf(this.knex, sess) ?? NO_VISIT),
    };
    this.knex('sessions')
      .insert(row) // created_at: the column's default, kept by the merge below
      .onConflict('sid')
      .merge(['sess', 'expires_at', 'user_id', 'last_seen_at', 'ip', 'user_agent'])
      .then(
        () => callback?.(),
        // The account was deleted while this request ran (its sessions went with it): nothing to
        // keep, and no error for the request; the next one finds no session and is signed out.
        (error) => callback?.(isForeignKeyViolation(error) ? undefined : error),
      );
  }

  override touch(sid: string, sess: session.SessionData, callback?: Callback): void {
    const expiresAt = expiry(sess);
    // The new expiry is now + the session's lifetime, the stored one was the last write's: less
    // than a minute apart, the write is skipped (the WHERE matches nothing, so nothing is written).
    this.knex('sessions')
      .where({ sid })
      .where('expires_at', '<', new Date(expiresAt.getTime() - LAST_SEEN_PRECISION_MS))
      .update({ expires_at: expiresAt, ...visitOf(this.knex, sess) })
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

/** A session as /account/sessions shows it: never its sid, the cookie's secret. */
export interface SessionSummary {
  /** SHA-256 of the sid: names the session in the page and its URLs without revealing the sid. */
  id: string;
  created_at: Date;
  last_seen_at: Date;
  ip: string | null;
  user_agent: string | null;
  current: boolean;
}

type SessionListRow = Pick<SessionSummary, 'created_at' | 'ip' | 'user_agent'> & {
  sid: string;
  last_seen_at: Date | null; // null until a signed-in visit wrote it (sessions from before it was kept)
};

function publicIdOf(sid: string): string {
  return createHash('sha256').update(sid, 'utf8').digest('hex');
}

/** The user's live sessions, the most recently seen first; `current` marks `currentSid`'s. */
export async function listSessionsOfUser(knex: Knex, userId: string, currentSid: string): Promise<SessionSummary[]> {
  const rows: SessionListRow[] = await knex('sessions')
    .where({ user_id: userId })
    .where('expires_at', '>', knex.fn.now())
    .orderByRaw('coalesce(last_seen_at, created_at) desc, created_at desc')
    .select('sid', 'created_at', 'last_seen_at', 'ip', 'user_agent');
  return rows.map(({ sid, ...row }) => ({
    ...row,
    id: publicIdOf(sid),
    last_seen_at: row.last_seen_at ?? row.created_at,
    current: sid === currentSid,
  }));
}

/**
 * Signs the user out of one of their other sessions, named by its public id; false when they have
 * no such session (another user's, the current one, or none): the page answers 404.
 */
export async function deleteOtherSessionOfUser(
  knex: Knex,
  userId: string,
  publicId: string,
  currentSid: string,
): Promise<boolean> {
  const deleted = await knex('sessions')
    .where({ user_id: userId })
    .whereNot({ sid: currentSid })
    .whereRaw("encode(sha256(convert_to(sid, 'UTF8')), 'hex') = ?", [publicId]) // publicIdOf in SQL
    .del();
  return deleted > 0;
}
