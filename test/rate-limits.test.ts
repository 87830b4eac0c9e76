// Rate limits (SPEC §4): failed logins at most 10 per account from one IP, 100 per account from
// all IPs, 100 per IP (successes do not count); the token endpoints per IP; the API per token;
// 429 with Retry-After and RateLimit-* headers, in each endpoint's dialect.
// The IP is varied with X-Forwarded-For under TRUST_PROXY, as behind a proxy.
// Minting and sign-ups: rate-limits-mint-signup.test.ts; with workers: rate-limits-cluster.test.ts;
// with Redis: rate-limits-redis.test.ts.
import request from 'supertest';
import type { Express } from 'express';
import { useTestDatabase } from './helpers/db';
import { testApp, testConfig } from './helpers/app';
import { browser, csrfFrom } from './helpers/browser';
import { buildClient, buildPersonalToken, buildUser, FACTORY_PASSWORD } from './factories';
import { ipKeyGenerator } from 'express-rate-limit';
import { ipKey } from '../src/http/rate-limits';

const db = useTestDatabase();
const limited = (env: NodeJS.ProcessEnv = {}) =>
  testApp(db.db, { config: testConfig({ TRUST_PROXY: 'true', ...env }) });

const STRANGER = '203.0.113.66';
const OWNER = '198.51.100.7';

function authenticate(app: Express, username: string, password: string, ip: string) {
  return request(app).post('/api/authenticate/').set('X-Forwarded-For', ip).send({ username, password });
}

/** The login form, as a browser at `ip` submits it. */
async function formLogin(app: Express, email: string, password: string, ip: string) {
  const b = browser(app);
  const page = await b.agent.get('/login').expect(200);
  return b.agent
    .post('/login')
    .set('X-Forwarded-For', ip)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password });
}

describe('failed logins per account from one IP', () => {
  it('allows ten wrong passwords for an account from one IP and refuses the eleventh, even a right one', async () => {
    const user = await buildUser(db.knex);
    const app = limited();
    for (let i = 0; i < 10; i += 1) await authenticate(app, user.email, 'wrong', STRANGER).expect(400);
    const blocked = await authenticate(app, user.email, FACTORY_PASSWORD, STRANGER).expect(429);
    expect(blocked.body).toMatchObject({ code: 429, error: 'Too Many Requests' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.headers['ratelimit-limit']).toBe('10');
    // The login form shares the counter (the email in another case is the same account).
    expect((await formLogin(app, user.email.toUpperCase(), FACTORY_PASSWORD, STRANGER)).status).toBe(429);
  });

  it("does not let a stranger's wrong passwords from another IP lock the owner out", async () => {
    const owner = await buildUser(db.knex);
    const app = limited();
    for (let i = 0; i < 10; i += 1) await authenticate(app, owner.email, 'guess', STRANGER).expect(400);
    // The stranger goes on guessing; each is refused, and none adds to the account's counter.
    for (let i = 0; i < 30; i += 1) await authenticate(app, owner.email, 'guess', STRANGER).expect(429);
    await authenticate(app, owner.email, FACTORY_PASSWORD, OWNER).expect(200);
    expect((await formLogin(app, owner.email, FACTORY_PASSWORD, OWNER)).status).toBe(303);
  });

  it('counts no successful logins', async () => {
    const user = await buildUser(db.knex);
    const app = limited();
    for (let i = 0; i < 9; i += 1) {
      await authenticate(app, user.email, 'wrong', OWNER).expect(400);
      expect((await formLogin(app, user.email, FACTORY_PASSWORD, OWNER)).status).toBe(303);
    }
    await authenticate(app, user.email, 'wrong', OWNER).expect(400); // the tenth failure
    await authenticate(app, user.email, FACTORY_PASSWORD, OWNER).expect(429);
  });
});

describe('failed logins per account from all IPs, and per IP', () => {
  it('refuses the 101st failed login for an account from all IPs, from any IP', async () => {
    const user = await buildUser(db.knex);
    const app = limited();
    for (let ip = 1; ip <= 10; ip += 1) {
      for (let i = 0; i < 10; i += 1) await authenticate(app, user.email, 'wrong', `192.0.2.${ip}`).expect(400);
    }
    const blocked = await authenticate(app, user.email, FACTORY_PASSWORD, OWNER).expect(429);
    expect(blocked.headers['ratelimit-limit']).toBe('100');
    await authenticate(app, (await buildUser(db.knex)).email, FACTORY_PASSWORD, OWNER).expect(200); // other accounts go on
  });

  it('refuses the 101st failed login from one IP, whatever the account', async () => {
    const user = await buildUser(db.knex);
    const app = limited();
    for (let i = 0; i < 100; i += 1) await authenticate(app, `nobody-${i}@example.com`, 'wrong', STRANGER).expect(400);
    const blocked = await authenticate(app, user.email, FACTORY_PASSWORD, STRANGER).expect(429);
    expect(blocked.headers['ratelimit-limit']).toBe('100');
    await authenticate(app, user.email, FACTORY_PASSWORD, OWNER).expect(200); // other IPs go on
  });

  it('takes its thresholds from the settings', async () => {
    const user = await buildUser(db.knex);
    const app = limited({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '3' });
    for (const ip of [STRANGER, OWNER, '192.0.2.1']) await authenticate(app, user.email, 'wrong', ip).expect(400);
    await authenticate(app, user.email, FACTORY_PASSWORD, '192.0.2.2').expect(429);
  });
});

describe('token endpoint limit', () => {
  it('answers 429 in OAuth JSON with Retry-After', async () => {
    const app = limited({ RATE_LIMIT_TOKEN_PER_IP: '2' });
    const client = await buildClient(db.knex);
    const call = () =>
      request(app)
        .post('/oauth/token')
        .auth(client.client_id, client.secret!)
        .type('form')
        .send({ grant_type: 'authorization_code', code: 'nope' });
    await call().expect(400);
    await call().expect(400);
    const res = await call().expect(429);
    expect(res.body).toEqual({ error: 'too_many_requests', error_description: expect.any(String) });
    expect(res.headers['retry-after']).toBeDefined();
  });
});

describe('API limit per token', () => {
  it('answers 429 with Retry-After once a token used its budget; other tokens go on', async () => {
    const app = limited({ RATE_LIMIT_API_PER_TOKEN: '3' });
    const spent = await buildPersonalToken(db.knex);
    const fresh = await buildPersonalToken(db.knex, { user_id: spent.user_id });
    const get = (token: string) => request(app).get('/api/v1/users/me').set('Authorization', `Token ${token}`);
    for (let i = 0; i < 3; i += 1) {
      const res = await get(spent.token).expect(200);
      expect(res.headers['ratelimit-remaining']).toBe(String(2 - i));
    }
    const blocked = await get(spent.token).expect(429);
    expect(blocked.body).toMatchObject({ code: 429, error: 'Too Many Requests' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    await get(fresh.token).expect(200);
  });

  it('spends nothing on requests without a valid token (those are 401 before the limit)', async () => {
    const app = limited({ RATE_LIMIT_API_PER_TOKEN: '1' });
    for (let i = 0; i < 3; i += 1)
      await request(app).get('/api/v1/users/me').set('Authorization', 'Token nope').expect(401);
    const token = await buildPersonalToken(db.knex);
    await request(app).get('/api/v1/users/me').set('Authorization', `Token ${token.token}`).expect(200);
  });
});

describe('the per-IP key', () => {
  it.each([
    '127.0.0.1',
    '::ffff:127.0.0.1',
    '::FFFF:10.1.2.3',
    '::ffff:999.1.1.1',
    '2001:db8:abcd:12::1',
    '::1',
    'unknown',
  ])('is what express-rate-limit would compute for %s', (ip) => {
    expect(ipKey(ip)).toBe(ipKeyGenerator(ip));
  });

  it('puts one IPv6 /56 in one bucket, and IPv4-mapped addresses with their IPv4 address', () => {
    expect(ipKey('2001:db8:abcd:1200::1')).toBe(ipKey('2001:db8:abcd:12ff::2'));
    expect(ipKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
  });
});
