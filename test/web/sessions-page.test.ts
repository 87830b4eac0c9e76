// /account/sessions (SPEC §7): the user's signed-in sessions with address and browser, "sign out"
// for one and "sign out everywhere else"; sessions are named by a digest, never by their sid.
import { createHash } from 'node:crypto';
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp, testConfig } from '../helpers/app';
import { browser, csrfFrom } from '../helpers/browser';
import { buildUser } from '../factories';
import { SESSION_COOKIE, createSessionStore } from '../../src/web/session';
import { USER_AGENT_MAX } from '../../src/web/session-store';
import { describeBrowser } from '../../src/web/sessions-page';

const db = useTestDatabase();

const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

// Behind a trusted proxy (loopback: supertest's connections), so each browser can come from its own address.
const proxiedApp = () => testApp(db.db, { config: testConfig({ TRUST_PROXY: 'loopback' }) });

type App = ReturnType<typeof testApp>;

/** A browser signed in as `email`, sending `userAgent` from `ip`; with its sid (from the cookie). */
async function signedIn(app: App, email: string, userAgent: string, ip: string) {
  const b = browser(app);
  b.agent.set('User-Agent', userAgent).set('X-Forwarded-For', ip);
  const res = await b.login(email);
  expect(res.status).toBe(303);
  const cookie = [res.headers['set-cookie']].flat().find((c) => c?.startsWith(`${SESSION_COOKIE}=`));
  const signed = decodeURIComponent(/^[^=]+=([^;]+)/.exec(cookie ?? '')![1]!); // s:<sid>.<signature>
  const sid = signed.slice(2, signed.lastIndexOf('.'));
  expect(await db.knex('sessions').where({ sid }).first()).toBeDefined();
  return { ...b, sid, publicId: createHash('sha256').update(sid).digest('hex') };
}

const isSignedIn = async (agent: request.Agent) => (await agent.get('/account/sessions')).status === 200;
const sessionCount = async (userId: string) =>
  Number((await db.knex('sessions').where({ user_id: userId }).count({ n: '*' }))[0]!.n);

describe('listing', () => {
  it("lists the user's sessions with address and browser, marks this one, and shows no one else's", async () => {
    const app = proxiedApp();
    const user = await buildUser(db.knex);
    const other = await buildUser(db.knex);
    const laptop = await signedIn(app, user.email, CHROME_LINUX, '203.0.113.7');
    await signedIn(app, user.email, SAFARI_IPHONE, '198.51.100.9');
    await signedIn(app, other.email, FIREFOX_WINDOWS, '192.0.2.99');

    const page = await laptop.agent.get('/account/sessions').expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
    const tbody = /<tbody>([\s\S]*?)<\/tbody>/.exec(page.text)![1]!;
    const rows = [...tbody.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!.replace(/<[^>]+>|\s+/g, ' '));
    expect(rows).toHaveLength(2);
    const laptopRow = rows.find((row) => row.includes('203.0.113.7'))!;
    expect(laptopRow).toContain('Chrome on Linux');
    expect(laptopRow).toContain('(this session)');
    const phoneRow = rows.find((row) => row.includes('198.51.100.9'))!;
    expect(phoneRow).toContain('Safari on iOS');
    expect(phoneRow).not.toContain('(this session)');
    expect(page.text).not.toContain('192.0.2.99');
    expect(page.text).not.toContain('Firefox');
    // One "Sign out" form: the other session's, not this one's.
    expect(page.text.match(/action="\/account\/sessions\/[0-9a-f]{64}\/delete"/g)).toHaveLength(1);
    expect(page.text).toContain('Sign out everywhere else');
  });

  it('never puts a sid in the page: sessions are named by a digest', async () => {
    const app = proxiedApp();
    const user = await buildUser(db.knex);
    const laptop = await signedIn(app, user.email, CHROME_LINUX, '203.0.113.7');
    const phone = await signedIn(app, user.email, SAFARI_IPHONE, '198.51.100.9');
    const page = await laptop.agent.get('/account/sessions').expect(200);
    expect(page.text).not.toContain(laptop.sid);
    expect(page.text).not.toContain(phone.sid);
    expect(page.text).toContain(`/account/sessions/${phone.publicId}/delete`);
  });

  it('records the address of the connection when no proxy is trusted', async () => {
    const user = await buildUser(db.knex);
    const b = await signedIn(testApp(db.db), user.email, CHROME_LINUX, '203.0.113.7');
    const row = await db.knex('sessions').where({ sid: b.sid }).first('ip');
    expect(row.ip).toMatch(/127\.0\.0\.1|::1/); // X-Forwarded-For is the client's word, not believed
  });

  it('records nothing of an anonymous visitor', async () => {
    await request(proxiedApp()).get('/login').set('User-Agent', CHROME_LINUX).expect(200);
    const rows = await db.knex('sessions').select('user_id', 'ip', 'user_agent', 'last_seen_at');
    expect(rows).toEqual([{ user_id: null, ip: null, user_agent: null, last_seen_at: null }]);
  });

  it('keeps at most 300 characters of a user agent', async () => {
    const user = await buildUser(db.knex);
    const b = await signedIn(proxiedApp(), user.email, `${CHROME_LINUX} ${'x'.repeat(500)}`, '203.0.113.7');
    const row = await db.knex('sessions').where({ sid: b.sid }).first('user_agent');
    expect(row.user_agent).toHaveLength(USER_AGENT_MAX);
  });

  it('sends a signed-out visitor to the login page', async () => {
    const res = await request(testApp(db.db)).get('/account/sessions').expect(303);
    expect(res.headers.location).toBe('/login?return_to=%2Faccount%2Fsessions');
  });
});

describe('last seen', () => {
  it('is written with the visit at most once a minute, by the statement that renews the expiry', async () => {
    const app = proxiedApp();
    const user = await buildUser(db.knex);
    const b = await signedIn(app, user.email, CHROME_LINUX, '203.0.113.7');
    const row = () => db.knex('sessions').where({ sid: b.sid }).first('last_seen_at', 'ip', 'user_agent', 'expires_at');
    // As if the last write had been 30 seconds ago, then 2 minutes ago.
    const age = (seconds: number) =>
      db
        .knex('sessions')
        .where({ sid: b.sid })
        .update({
          last_seen_at: db.knex.raw(`now() - interval '${seconds} seconds'`),
          expires_at: db.knex.raw(`expires_at - interval '${seconds} seconds'`),
        });

    await b.agent.get('/account/tokens').expect(200); // a changed session (its first CSRF token) is saved whole
    await age(30);
    const before = await row();
    b.agent.set('User-Agent', FIREFOX_WINDOWS).set('X-Forwarded-For', '198.51.100.9');
    await b.agent.get('/account/tokens').expect(200);
    expect(await row()).toEqual(before); // within the minute: nothing written

    await age(90);
    await b.agent.get('/account/tokens').expect(200);
    const after = await row();
    expect(Date.now() - after.last_seen_at.getTime()).toBeLessThan(10_000);
    expect(after.expires_at.getTime()).toBeGreaterThan(before.expires_at.getTime());
    expect(after).toMatchObject({ ip: '198.51.100.9', user_agent: FIREFOX_WINDOWS });
  });

  it('costs a signed-in page view no statement beyond reading and renewing the session', async () => {
    const app = proxiedApp();
    const user = await buildUser(db.knex);
    const b = await signedIn(app, user.email, CHROME_LINUX, '203.0.113.7');
    await b.agent.get('/account/tokens').expect(200); // the CSRF token is now in the session
    const statements: string[] = [];
    const listener = (query: { sql: string }) => statements.push(query.sql);
    db.knex.on('query', listener);
    try {
      await b.agent.get('/account/tokens').expect(200);
    } finally {
      db.knex.off('query', listener);
    }
    expect(statements.filter((sql) => /"sessions"/.test(sql)).map((sql) => sql.split(' ')[0])).toEqual([
      'select',
      'update',
    ]);
  });
});

describe('a deleted account', () => {
  it("is not written back by a request of its that was still running, and that request's save succeeds", async () => {
    const user = await buildUser(db.knex);
    await db.knex('users').where({ id: user.id }).del(); // /account/delete, from another browser
    const store = createSessionStore(db.knex);
    const sess = {
      cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) },
      passport: { user: user.id },
    };
    const error = await new Promise((resolve) => store.set('sid-of-a-running-request', sess, resolve));
    expect(error).toBeUndefined();
    expect(await db.knex('sessions').where({ sid: 'sid-of-a-running-request' })).toEqual([]);
  });
});

describe('signing out', () => {
  it('signs out one other session, and not this one', async () => {
    const app = proxiedApp();
    const user = await buildUser(db.knex);
    const laptop = await signedIn(app, user.email, CHROME_LINUX, '203.0.113.7');
    const phone = await signedIn(app, user.email, SAFARI_IPHONE, '198.51.100.9');
    const tablet = await signedIn(app, user.email, SAFARI_IPHONE, '198.51.100.10');
    const res = await laptop.submit('/account/sessions', `/account/sessions/${phone.publicId}/delete`, {});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/sessions');
    expect(await isSignedIn(phone.agent)).toBe(false);
    expect(await isSignedIn(laptop.agent)).toBe(true);
    expect(await isSignedIn(tablet.agent)).toBe(true);
  });

  it("answers 404 for another user's session and deletes nothing", async () => {
    const app = proxiedApp();
    const user = await buildUser(db.knex);
    const other = await buildUser(db.knex);
    const mine = await signedIn(app, user.email, CHROME_LINUX, '203.0.113.7');
    const theirs = await signedIn(app, other.email, FIREFOX_WINDOWS, '192.0.2.99');
    const res = await mine.submit('/account/sessions', `/account/sessions/${theirs.publicId}/delete`, {});
    expect(res.status).toBe(404);
    expect(await isSignedIn(theirs.agent)).toBe(true);
    expect(await sessionCount(other.id)).toBe(1);
  });

  it('answers 404 for an unknown id, a malformed one, this session and a raw sid', async () => {
    const user = await buildUser(db.knex);
    const b = await signedIn(proxiedApp(), user.email, CHROME_LINUX, '203.0.113.7');
    const csrf = csrfFrom((await b.agent.get('/account/sessions').expect(200)).text);
    for (const id of ['0'.repeat(64), 'not-an-id', b.publicId, b.sid]) {
      await b.agent.post(`/account/sessions/${id}/delete`).type('form').send({ _csrf: csrf }).expect(404);
    }
    expect(await isSignedIn(b.agent)).toBe(true);
  });

  it('signs out everywhere else and keeps this session', async () => {
    const app = proxiedApp();
    const user = await buildUser(db.knex);
    const other = await buildUser(db.knex);
    const laptop = await signedIn(app, user.email, CHROME_LINUX, '203.0.113.7');
    const phone = await signedIn(app, user.email, SAFARI_IPHONE, '198.51.100.9');
    const tablet = await signedIn(app, user.email, SAFARI_IPHONE, '198.51.100.10');
    const stranger = await signedIn(app, other.email, FIREFOX_WINDOWS, '192.0.2.99');
    const res = await laptop.submit('/account/sessions', '/account/sessions/others/delete', {});
    expect(res.status).toBe(303);
    expect(await isSignedIn(phone.agent)).toBe(false);
    expect(await isSignedIn(tablet.agent)).toBe(false);
    expect(await isSignedIn(stranger.agent)).toBe(true);
    const page = await laptop.agent.get('/account/sessions').expect(200);
    expect(page.text).toContain('(this session)');
    expect(page.text).toContain('You are signed in only here.');
    expect(await sessionCount(user.id)).toBe(1);
  });

  it('refuses both forms without their CSRF token (403) and signs no one out', async () => {
    const app = proxiedApp();
    const user = await buildUser(db.knex);
    const laptop = await signedIn(app, user.email, CHROME_LINUX, '203.0.113.7');
    const phone = await signedIn(app, user.email, SAFARI_IPHONE, '198.51.100.9');
    await laptop.agent.get('/account/sessions').expect(200);
    await laptop.agent.post(`/account/sessions/${phone.publicId}/delete`).type('form').send({}).expect(403);
    await laptop.agent.post('/account/sessions/others/delete').type('form').send({ _csrf: 'wrong' }).expect(403);
    expect(await sessionCount(user.id)).toBe(2);
  });
});

describe('the account navigation', () => {
  it('links every account page from a labelled nav once signed in', async () => {
    const user = await buildUser(db.knex);
    const b = await signedIn(testApp(db.db), user.email, CHROME_LINUX, '203.0.113.7');
    const page = await b.agent.get('/account/tokens').expect(200);
    const nav = /<nav aria-label="Account">([\s\S]*?)<\/nav>/.exec(page.text)?.[1] ?? '';
    for (const [href, name] of [
      ['/account/authorizations', 'Authorized apps'],
      ['/account/tokens', 'API tokens'],
      ['/account/sessions', 'Sessions'],
      ['/account/password', 'Password'],
      ['/developer/applications', 'Developer'],
    ]) {
      expect(nav).toContain(`<a href="${href}">${name}</a>`);
    }
  });
});

describe('describeBrowser', () => {
  it.each([
    [CHROME_LINUX, 'Chrome on Linux'],
    [FIREFOX_WINDOWS, 'Firefox on Windows'],
    [SAFARI_IPHONE, 'Safari on iOS'],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
      'Safari on macOS',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      'Edge on Windows',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      'Chrome on Android',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
      'Chrome on iOS',
    ],
    ['curl/8.5.0', 'curl'],
    ['Mozilla/5.0 (X11; Linux x86_64) Something/1.0', 'A browser on Linux'],
    ['', 'Unknown browser'],
    [null, 'Unknown browser'],
  ])('names %j as %j', (userAgent, name) => {
    expect(describeBrowser(userAgent)).toBe(name);
  });
});
