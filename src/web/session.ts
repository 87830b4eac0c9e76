// Cookie sessions for the pages (SPEC §2): HttpOnly, SameSite=Lax, Secure in production.
//
// An anonymous visitor's session exists only for the CSRF token of the form in front of them,
// and SPEC §2 allows an anonymous page view nothing in the database that outlives an hour: it
// lives 45 minutes, and the pruning that runs every 15 minutes (src/background.ts) deletes it
// within the hour. Signing in makes it a 14-day session (`keepSignedIn`, from the passport
// serializer, which runs inside `req.login` between regenerating and saving the session).
import type { Request } from 'express';
import session from 'express-session';
import type { Knex } from 'knex';
import type { Config } from '../config';
import { KnexSessionStore } from './session-store';

export const SESSION_COOKIE = 'seatshare.sid';
export const ANONYMOUS_SESSION_MS = 45 * 60 * 1000;
export const SIGNED_IN_SESSION_MS = 14 * 24 * 60 * 60 * 1000;

export function sessionMiddleware(config: Config, store: KnexSessionStore) {
  return session({
    name: SESSION_COOKIE,
    secret: config.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false, // no row until there is something to keep (a CSRF token, a login)
    proxy: config.trustProxy !== false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.env === 'production',
      maxAge: ANONYMOUS_SESSION_MS,
    },
  });
}

/** A signed-in session: cookie and row last 14 days, renewed by each visit. */
export function keepSignedIn(sess: session.Session): void {
  // Setting maxAge sets `expires` and, with it, `originalMaxAge`, from which express-session
  // renews the expiry on every later request.
  sess.cookie.maxAge = SIGNED_IN_SESSION_MS;
}

export function createSessionStore(knex: Knex): KnexSessionStore {
  return new KnexSessionStore(knex);
}

/**
 * Signs this browser out: a new, empty session, whoever it was signed in as. After a change that
 * deleted the session's row (a password reset, account deletion), so the old one is not saved back.
 */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((error: unknown) => {
      if (error) return reject(error instanceof Error ? error : new Error('the session could not be regenerated'));
      req.user = undefined;
      resolve();
    }),
  );
}
