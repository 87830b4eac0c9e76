// Personal tokens with an optional expiry (SPEC §2): chosen on /account/tokens (7, 30, 60, 90
// days or none) or with `expires_in_days` at POST /api/authenticate/; an expired token is
// refused at API authentication like an unknown one (401 invalid_token).
import request from 'supertest';
import { useTestDatabase } from './helpers/db';
import { testApp } from './helpers/app';
import { browser } from './helpers/browser';
import { buildPersonalToken, buildUser, FACTORY_PASSWORD } from './factories';

const db = useTestDatabase();
const DAY_MS = 24 * 60 * 60 * 1000;
const me = (app: ReturnType<typeof testApp>, token: string) =>
  request(app).get('/api/v1/users/me').set('Authorization', `Token ${token}`);

/** Within a minute of `days` from now. */
function expectExpiryIn(expiresAt: Date | null, days: number) {
  expect(expiresAt).toBeInstanceOf(Date);
  expect(Math.abs(expiresAt!.getTime() - (Date.now() + days * DAY_MS))).toBeLessThan(60_000);
}

describe('API authentication of personal tokens with an expiry', () => {
  it('refuses an expired personal token with 401 invalid_token', async () => {
    const app = testApp(db.db);
    const expired = await buildPersonalToken(db.knex, { expires_at: new Date(Date.now() - 1000) });
    const res = await me(app, expired.token).expect(401);
    expect(res.body).toMatchObject({ code: 401, error: 'Unauthorized' });
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    expect((await db.knex('personal_tokens').where({ id: expired.id }).first()).last_used_at).toBeNull();
  });

  it('accepts a token before its expiry, and one without any', async () => {
    const app = testApp(db.db);
    const unexpired = await buildPersonalToken(db.knex, { expires_at: new Date(Date.now() + 60_000) });
    expect((await me(app, unexpired.token).expect(200)).body.id).toBe(unexpired.user_id);
    const forever = await buildPersonalToken(db.knex, { expires_at: null });
    await me(app, forever.token).expect(200);
  });
});

describe('POST /api/authenticate/ with expires_in_days', () => {
  it('mints a token that expires after the days asked for; without them it does not expire', async () => {
    const app = testApp(db.db);
    const user = await buildUser(db.knex);
    const week = await request(app)
      .post('/api/authenticate/')
      .send({ username: user.email, password: FACTORY_PASSWORD, expires_in_days: 7 })
      .expect(200);
    expect(week.body).toEqual({ token: expect.stringMatching(/^ssp_/) });
    await me(app, week.body.token).expect(200);
    const rows = await db.knex('personal_tokens').where({ user_id: user.id }).select('expires_at');
    expectExpiryIn(rows[0].expires_at, 7);

    await request(app)
      .post('/api/authenticate/')
      .send({ username: user.email, password: FACTORY_PASSWORD })
      .expect(200);
    expect(
      Number(
        (await db
          .knex('personal_tokens')
          .where({ user_id: user.id })
          .whereNull('expires_at')
          .count({ n: '*' })
          .first())!.n,
      ),
    ).toBe(1);
  });

  it.each([0, 366, 1.5, '7', null])('answers 400 naming expires_in_days for %p, and mints nothing', async (value) => {
    const app = testApp(db.db);
    const user = await buildUser(db.knex);
    const res = await request(app)
      .post('/api/authenticate/')
      .send({ username: user.email, password: FACTORY_PASSWORD, expires_in_days: value })
      .expect(400);
    expect(Object.keys(res.body.fields)).toEqual(['expires_in_days']);
    expect(await db.knex('personal_tokens').where({ user_id: user.id }).first()).toBeUndefined();
  });
});

describe('/account/tokens expiry', () => {
  async function signedIn() {
    const user = await buildUser(db.knex);
    const app = testApp(db.db);
    const b = browser(app);
    await b.login(user.email);
    return { user, app, b };
  }

  it('offers 7, 30, 60, 90 days or no expiration, 30 days chosen', async () => {
    const { b } = await signedIn();
    const page = await b.agent.get('/account/tokens').expect(200);
    expect(page.text).toContain('<label for="expires_in_days">');
    const options = [...page.text.matchAll(/<option value="([^"]+)"( selected)?>/g)].map(
      (m) => `${m[1]}${m[2] ? '*' : ''}`,
    );
    expect(options).toEqual(['7', '30*', '60', '90', 'none']);
  });

  it('creates a token with the chosen expiry, says when it expires, and lists it', async () => {
    const { user, app, b } = await signedIn();
    const created = await b.submit('/account/tokens', '/account/tokens', {
      name: 'CI job',
      scope: ['read'],
      expires_in_days: '7',
    });
    expect(created.status).toBe(200);
    const row = await db.knex('personal_tokens').where({ user_id: user.id }).first();
    expectExpiryIn(row.expires_at, 7);
    expect(created.text).toContain(`It expires on ${row.expires_at.toISOString().slice(0, 16).replace('T', ' ')} UTC.`);
    const token = /id="new-token">([^<]+)</.exec(created.text)?.[1];
    await me(app, token!).expect(200);

    await b.submit('/account/tokens', '/account/tokens', { name: 'Forever script', expires_in_days: 'none' });
    expect(
      (await db.knex('personal_tokens').where({ user_id: user.id, name: 'Forever script' }).first()).expires_at,
    ).toBeNull();
    await buildPersonalToken(db.knex, {
      user_id: user.id,
      name: 'Old one',
      expires_at: new Date('2026-01-02T03:04:05Z'),
    });

    const list = (await b.agent.get('/account/tokens').expect(200)).text;
    const rowOf = (name: string) => new RegExp(`<td>${name}</td>[\\s\\S]*?</tr>`).exec(list)?.[0] ?? '';
    expect(rowOf('CI job')).toContain(row.expires_at.toISOString().slice(0, 16).replace('T', ' '));
    expect(rowOf('Forever script')).toMatch(/<td>never<\/td>\s*<td>never<\/td>/); // never used, never expires
    expect(rowOf('Old one')).toContain('<strong>expired</strong> 2026-01-02');
  });

  it('answers 400 for an expiry it does not offer, and creates nothing', async () => {
    const { user, b } = await signedIn();
    const res = await b.submit('/account/tokens', '/account/tokens', { name: 'Odd', expires_in_days: '3650' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('must be one of the offered choices');
    expect(await db.knex('personal_tokens').where({ user_id: user.id }).first()).toBeUndefined();
  });
});
