// Cookie sessions for the pages (SPEC §2): HttpOnly, SameSite=Lax, Secure in production.
import session from 'express-session';
import type { Knex } from 'knex';
import type { Config } from '../config';
import { KnexSessionStore } from './session-store';

export const SESSION_COOKIE = 'seatshare.sid';
const SESSION_LIFETIME_MS = 14 * 24 * 60 * 60 * 1000;

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
      maxAge: SESSION_LIFETIME_MS,
    },
  });
}

export function createSessionStore(knex: Knex): KnexSessionStore {
  return new KnexSessionStore(knex);
}
