// SPEC §2: an anonymous page view writes nothing to the database that outlives an hour (the
// login form's CSRF token lives in a 45-minute session); signing in makes the session 14 days;
// expired sessions are pruned in batches. Before the fix every `GET /login` wrote a 14-day row.
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp } from '../helpers/app';
import { browser } from '../helpers/browser';
import { buildSession, buildUser } from '../factories';
import { pruneExpiredSessions } from '../../src/web/session-store';
import { ANONYMOUS_SESSION_MS, SESSION_COOKIE, SIGNED_IN_SESSION_MS } from '../../src/web/session';
import { BACKGROUND_INTERVAL_MS } from '../../src/background';

const db = useTestDatabase();
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** How long from now each session row lives, in ms. */
async function rowLifetimes(): Promise<number[]> {
  const rows: Array<{ expires_at: Date }> = await db.knex('sessions').select('expires_at');
  return rows.map((row) => row.expires_at.getTime() - Date.now());
}

function sessionCookie(res: request.Response): string | undefined {
  return ([res.headers['set-cookie']].flat() as Array<string | undefined>).find((cookie) =>
    cookie?.startsWith(`${SESSION_COOKIE}=`),
  );
}

/** ms until the cookie's Expires (express-session writes no Max-Age); NaN without one. */
const cookieLifetime = (cookie: string | undefined) =>
  Date.parse(/Expires=([^;]+)/i.exec(cookie ?? '')?.[1] ?? '') - Date.now();

describe('anonymous page views', () => {
  it('GET /login writes at most one session row, and it expires within the hour', async () => {
    const res = await request(testApp(db.db)).get('/login').expect(200);
    const lifetimes = await rowLifetimes();
    expect(lifetimes.length).toBeLessThanOrEqual(1);
    for (const lifetime of lifetimes) expect(lifetime).toBeLessThanOrEqual(HOUR_MS);
    expect(cookieLifetime(sessionCookie(res))).toBeLessThanOrEqual(HOUR_MS);
  });

  it('leaves no row outliving an hour after 50 anonymous views of the pages', async () => {
    const app = testApp(db.db);
    const pages = ['/login', '/signup', '/login?return_to=%2Fjoin', '/join', '/account/tokens'];
    for (let i = 0; i < 50; i++) await request(app).get(pages[i % pages.length]!);
    const lifetimes = await rowLifetimes();
    expect(lifetimes.length).toBeGreaterThan(0); // the login and sign-up forms did keep their tokens
    expect(lifetimes.filter((lifetime) => lifetime > HOUR_MS)).toEqual([]);
  });

  it('is deleted within the hour: its lifetime plus the pruning interval', () => {
    expect(ANONYMOUS_SESSION_MS + BACKGROUND_INTERVAL_MS).toBeLessThanOrEqual(HOUR_MS);
  });

  it('still refuses a form posted without its CSRF token (403)', async () => {
    const user = await buildUser(db.knex);
    const agent = request.agent(testApp(db.db));
    await agent.get('/login').expect(200);
    await agent.post('/login').type('form').send({ email: user.email, password: 'whatever it is' }).expect(403);
  });
});

describe('signing in', () => {
  it('makes the session last 14 days, in the row and the cookie, and keeps it so on later visits', async () => {
    const user = await buildUser(db.knex);
    const b = browser(testApp(db.db));
    const res = await b.login(user.email);
    expect(res.status).toBe(303);
    expect(cookieLifetime(sessionCookie(res))).toBeGreaterThan(SIGNED_IN_SESSION_MS - DAY_MS);
    const lifetimeOfRow = async () => {
      const row: { expires_at: Date } = await db.knex('sessions').where({ user_id: user.id }).first('expires_at');
      return row.expires_at.getTime() - Date.now();
    };
    expect(await lifetimeOfRow()).toBeGreaterThan(13 * DAY_MS);
    // Each visit renews the expiry from the session's own lifetime, not the anonymous one.
    await b.agent.get('/account/authorizations').expect(200);
    expect(await lifetimeOfRow()).toBeGreaterThan(13 * DAY_MS);
    expect(await db.knex('sessions').whereNull('user_id').count({ n: '*' })).toEqual([{ n: 0 }]);
  });
});

describe('pruning expired sessions', () => {
  it('deletes every expired session in batches and keeps live ones', async () => {
    const past = new Date(Date.now() - 1000);
    for (let i = 0; i < 5; i++) await buildSession(db.knex, { expires_at: past });
    const live = await buildSession(db.knex);
    expect(await pruneExpiredSessions(db.knex, 2)).toBe(5);
    expect(await db.knex('sessions').pluck('sid')).toEqual([live.sid]);
  });
});
