// Session login for the pages: passport's local strategy over email (case-insensitive) and an
// argon2id password hash; the login page authenticates through it (src/web/auth-pages.ts). One
// Passport instance per app (no globals), so tests can build many.
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Knex } from 'knex';
import type { Request } from 'express';
import { keepSignedIn } from '../web/session';
import { verifyPassword } from '../security/passwords';
import { findSessionUser, findUserByEmail, type SessionUserRow, type UserRow } from '../users/users';

export type SessionUser = SessionUserRow;
export type SeatSharePassport = InstanceType<typeof Passport>;

declare global {
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- passport's User is an interface to extend
    interface User extends SessionUser {}
  }
}

// Verifying against a real hash when the email is unknown keeps the response time the same,
// so timing does not tell which emails have accounts.
const UNKNOWN_USER_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$wwLnBgFk5s/ng2TN971KXg$tTZ+DcJNJrA2XyfFRxH2/oCD9pjPhlm9+iUG/glJteo';

/** The user whose email and password these are; used by the strategy and by POST /api/authenticate/. */
export async function checkCredentials(knex: Knex, email: string, password: string): Promise<UserRow | undefined> {
  const user = await findUserByEmail(knex, email);
  const valid = await verifyPassword(user?.password_hash ?? UNKNOWN_USER_HASH, password);
  return user && valid ? user : undefined;
}

/** Only what the session needs: never the password hash. */
export function sessionUserOf(user: SessionUser): SessionUser {
  return { id: user.id, email: user.email, first_name: user.first_name, last_name: user.last_name };
}

export function createPassport(knex: Knex): SeatSharePassport {
  const passport = new Passport();
  passport.use(
    // passport-local reads only string fields: a missing or repeated one fails before this runs.
    new LocalStrategy({ usernameField: 'email', passwordField: 'password' }, (email, password, done) => {
      checkCredentials(knex, email, password).then((user) => done(null, user ? sessionUserOf(user) : false), done);
    }),
  );
  // Passport calls this only inside req.login, after regenerating the session and before saving
  // it: the moment the anonymous session becomes a signed-in one (src/web/session.ts).
  passport.serializeUser((req: Request, user: Express.User, done: (error: unknown, id?: string) => void) => {
    keepSignedIn(req.session);
    done(null, user.id);
  });
  passport.deserializeUser((id: string, done) => {
    findSessionUser(knex, id).then((user) => done(null, user ?? false), done);
  });
  return passport;
}
