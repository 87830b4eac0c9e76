// SPEC §4: POST /api/authenticate/ mints at most 20 personal tokens per account per hour
// (successful mints count, failed logins do not); sign-ups at most 10 per IP per hour (every
// submission counts: each costs a password hash and, for a valid address, a mail).
import request from 'supertest';
import type { Express } from 'express';
import { useTestDatabase } from './helpers/db';
import { testApp, testConfig } from './helpers/app';
import { browser, csrfFrom } from './helpers/browser';
import { buildUser, FACTORY_PASSWORD } from './factories';

const db = useTestDatabase();
const limited = (env: NodeJS.ProcessEnv = {}) =>
  testApp(db.db, { config: testConfig({ TRUST_PROXY: 'true', ...env }) });

function authenticate(app: Express, username: string, password: string, ip = '198.51.100.7') {
  return request(app).post('/api/authenticate/').set('X-Forwarded-For', ip).send({ username, password });
}

const tokensOf = async (userId: string) =>
  Number((await db.knex('personal_tokens').where({ user_id: userId }).count({ n: '*' }).first())!.n);

describe('minting personal tokens', () => {
  it('mints twenty tokens per account in an hour and refuses the twenty-first with 429', async () => {
    const user = await buildUser(db.knex);
    const app = limited();
    for (let i = 0; i < 20; i += 1) await authenticate(app, user.email, FACTORY_PASSWORD).expect(200);
    // From another IP too: the budget is the account's.
    const refused = await authenticate(app, user.email.toUpperCase(), FACTORY_PASSWORD, '192.0.2.9').expect(429);
    expect(refused.body).toMatchObject({ code: 429, error: 'Too Many Requests' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['ratelimit-limit']).toBe('20');
    expect(await tokensOf(user.id)).toBe(20);
    const other = await buildUser(db.knex); // another account mints on
    await authenticate(app, other.email, FACTORY_PASSWORD).expect(200);
  });

  it('counts only successful mints: failed logins spend none of the budget', async () => {
    const user = await buildUser(db.knex);
    const app = limited({ RATE_LIMIT_TOKEN_MINT_PER_ACCOUNT: '2' });
    for (let i = 0; i < 5; i += 1) await authenticate(app, user.email, 'wrong').expect(400);
    await authenticate(app, user.email, FACTORY_PASSWORD).expect(200);
    await authenticate(app, user.email, FACTORY_PASSWORD).expect(200);
    await authenticate(app, user.email, FACTORY_PASSWORD).expect(429);
    expect(await tokensOf(user.id)).toBe(2);
  });

  it('does not count refused mints against the failed-login limits', async () => {
    const user = await buildUser(db.knex);
    const app = limited({ RATE_LIMIT_TOKEN_MINT_PER_ACCOUNT: '1' });
    await authenticate(app, user.email, FACTORY_PASSWORD).expect(200);
    for (let i = 0; i < 12; i += 1) await authenticate(app, user.email, FACTORY_PASSWORD).expect(429);
    // The login form from the same IP does not mint: it is not locked out by the refused mints.
    const b = browser(app);
    const page = await b.agent.get('/login').expect(200);
    const login = await b.agent
      .post('/login')
      .set('X-Forwarded-For', '198.51.100.7')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: user.email, password: FACTORY_PASSWORD });
    expect(login.status).toBe(303);
  });
});

describe('sign-up', () => {
  async function signUp(app: Express, ip: string, email: string, accept = 'text/html') {
    const b = browser(app);
    const page = await b.agent.get('/signup').expect(200);
    return b.agent
      .post('/signup')
      .set('X-Forwarded-For', ip)
      .set('Accept', accept)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email, password: 'a long password', first_name: 'New', last_name: 'User' });
  }

  it('takes ten sign-ups from one IP in an hour; the eleventh is a 429 page with Retry-After', async () => {
    const taken = await buildUser(db.knex);
    const app = limited();
    const ip = '203.0.113.5';
    // Taken addresses (the same reply as a fresh one) and invalid ones count too.
    for (let i = 0; i < 5; i += 1) expect((await signUp(app, ip, taken.email)).status).toBe(200);
    for (let i = 0; i < 4; i += 1) expect((await signUp(app, ip, 'not an address')).status).toBe(400);
    expect((await signUp(app, ip, 'tenth@example.com')).status).toBe(200);

    const refused = await signUp(app, ip, 'eleventh@example.com');
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(refused.text).toContain('Too many attempts');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await db.knex('users').whereRaw('lower(email) = ?', ['eleventh@example.com']).first()).toBeUndefined();

    expect((await signUp(app, '203.0.113.6', 'elsewhere@example.com')).status).toBe(200); // another IP signs up
  });

  it('takes its threshold from the settings', async () => {
    const app = limited({ RATE_LIMIT_SIGNUP_PER_IP: '1' });
    expect((await signUp(app, '203.0.113.7', 'first@example.com')).status).toBe(200);
    expect((await signUp(app, '203.0.113.7', 'second@example.com', 'text/plain')).status).toBe(429);
  });
});
