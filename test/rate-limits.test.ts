// Rate limits (SPEC §4): failed logins per account and per IP, successful ones free; the API per token;
// 429 with Retry-After and RateLimit-* headers, in each endpoint's dialect.
import request from 'supertest';
import { useTestDatabase } from './helpers/db';
import { testApp, testConfig } from './helpers/app';
import { browser, csrfFrom } from './helpers/browser';
import { buildClient, buildPersonalToken, buildUser, FACTORY_PASSWORD } from './factories';
import { ipKeyGenerator } from 'express-rate-limit';
import { ipKey } from '../src/http/rate-limits';

const db = useTestDatabase();
const limited = (env: NodeJS.ProcessEnv) => testApp(db.db, { config: testConfig(env) });

describe('login limits', () => {
  it('blocks an account after N failed logins, whatever the IP, and counts no successes', async () => {
    const user = await buildUser(db.knex);
    const app = limited({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '3' });
    const api = (password: string) => request(app).post('/api/authenticate/').send({ username: user.email, password });
    for (let i = 0; i < 5; i += 1) await api(FACTORY_PASSWORD).expect(200); // successes do not count
    for (let i = 0; i < 3; i += 1) await api('wrong').expect(400);
    const blocked = await api(FACTORY_PASSWORD).expect(429);
    expect(blocked.body).toMatchObject({ code: 429, error: 'Too Many Requests' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.headers['ratelimit-limit']).toBe('3');

    const b = browser(app); // the login form shares the account's counter
    const page = await b.agent.get('/login');
    const form = await b.agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email: user.email.toUpperCase(), password: FACTORY_PASSWORD });
    expect(form.status).toBe(429);

    const other = await buildUser(db.knex); // other accounts are not affected
    await request(app).post('/api/authenticate/').send({ username: other.email, password: FACTORY_PASSWORD }).expect(200);
  });

  it('blocks an IP after N failed logins across accounts', async () => {
    const app = limited({ RATE_LIMIT_LOGIN_PER_IP: '2' });
    for (const name of ['a', 'b']) await request(app).post('/api/authenticate/').send({ username: `${name}@example.com`, password: 'x' }).expect(400);
    await request(app).post('/api/authenticate/').send({ username: 'c@example.com', password: 'x' }).expect(429);
  });
});

describe('token endpoint limit', () => {
  it('answers 429 in OAuth JSON with Retry-After', async () => {
    const app = limited({ RATE_LIMIT_TOKEN_PER_IP: '2' });
    const client = await buildClient(db.knex);
    const call = () => request(app).post('/oauth/token').auth(client.client_id, client.secret!).type('form').send({ grant_type: 'authorization_code', code: 'nope' });
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
    for (let i = 0; i < 3; i += 1) await request(app).get('/api/v1/users/me').set('Authorization', 'Token nope').expect(401);
    const token = await buildPersonalToken(db.knex);
    await request(app).get('/api/v1/users/me').set('Authorization', `Token ${token.token}`).expect(200);
  });
});

describe('the per-IP key', () => {
  it.each(['127.0.0.1', '::ffff:127.0.0.1', '::FFFF:10.1.2.3', '::ffff:999.1.1.1', '2001:db8:abcd:12::1', '::1', 'unknown'])(
    'is what express-rate-limit would compute for %s',
    (ip) => {
      expect(ipKey(ip)).toBe(ipKeyGenerator(ip));
    },
  );

  it('puts one IPv6 /56 in one bucket, and IPv4-mapped addresses with their IPv4 address', () => {
    expect(ipKey('2001:db8:abcd:1200::1')).toBe(ipKey('2001:db8:abcd:12ff::2'));
    expect(ipKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
  });
});
