// Authentication of /api/v1 (SPEC §4): Bearer and Token credentials, scopes, challenges.
import request from 'supertest';
import { Router } from 'express';
import { useTestDatabase } from './helpers/db';
import { testEndpoint, testApp } from './helpers/app';
import { buildPersonalToken, buildToken, buildUser } from './factories';
import { guardRoutes, resource } from '../src/http/routes';
import { apiAuthentication, MAX_AUTHORIZATION_BYTES, parseAuthorization } from '../src/auth/api-authentication';

const db = useTestDatabase();

// A write route to prove the `write` scope rule (the seed endpoints arrive with API v1).
const writeRoute = (api: Router) => {
  const router = guardRoutes(Router(), apiAuthentication(db.knex));
  resource(router, '/v1/things', { post: testEndpoint((_req, res) => void res.status(201).json({})) });
  api.use(router);
};

describe('parseAuthorization', () => {
  it.each([
    ['Bearer abc', 'bearer'],
    ['bearer abc;', 'bearer'],
    ['BEARER abc ;', 'bearer'],
    ['Token abc', 'token'],
    ['token abc', 'token'],
  ])('reads %j', (header, scheme) => {
    expect(parseAuthorization(header)).toEqual({ scheme, credential: 'abc' });
  });

  it.each(['Basic abc', 'Bearer', 'Bearer a b', 'abc'])('refuses %j', (header) => {
    expect(parseAuthorization(header)).toBeUndefined();
  });

  // SPEC §4's grammar, as the regex that used to parse it (quadratic, but fine on short strings).
  const GRAMMAR = /^\s*(bearer|token)\s+([^\s;]+)\s*;?\s*$/i;

  it('accepts exactly the forms of the SPEC grammar (every combination of up to 5 pieces)', () => {
    const pieces = ['Bearer', 'tOKEN', 'Basic', 'abc', ' ', '\t', '\u00a0', ';', 'a;b', 'To\u212Aen'];
    let combinations = [''];
    const disagreements: string[] = [];
    let accepted = 0;
    let compared = 0;
    for (let length = 1; length <= 5; length++) {
      combinations = combinations.flatMap((prefix) => pieces.map((piece) => prefix + piece));
      for (const header of combinations) {
        const match = GRAMMAR.exec(header);
        const parsed = parseAuthorization(header);
        const agrees = match
          ? parsed?.scheme === match[1]!.toLowerCase() && parsed.credential === match[2]
          : parsed === undefined;
        if (!agrees) disagreements.push(header);
        if (match) accepted++;
        compared++;
      }
    }
    expect(disagreements).toEqual([]);
    expect(compared).toBe(111_110);
    expect(accepted).toBeGreaterThan(1000);
  });

  // Linear time, with a bound generous enough not to flake: 100 adversarial headers of 4 kB (the
  // most the middleware parses) get 100 ms; the scanner needs under 1 ms for them, while the
  // quadratic regex spent 670-3 200 ms on each of these batches (~7-30 ms a header).
  it.each([
    ['trailing spaces', 'Bearer x' + ' '.repeat(4000) + '!'],
    ['trailing spaces and tabs', 'Bearer x' + ' \t'.repeat(2000) + '!'],
    ['spaces around a semicolon', 'Bearer x' + ' '.repeat(2000) + ';' + ' '.repeat(2000) + '!'],
    ['no-break spaces and two semicolons', 'Token x' + '\u00a0'.repeat(4000) + ';;'],
  ])('parses 4 kB of %s in linear time', (_name, header) => {
    expect(header.length).toBeLessThanOrEqual(MAX_AUTHORIZATION_BYTES);
    const results = [];
    const started = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) results.push(parseAuthorization(header));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(results.filter(Boolean)).toEqual([]);
    expect(elapsedMs).toBeLessThan(100);
  });
});

describe('/api/v1 authentication', () => {
  it('accepts an OAuth access token as "Bearer", and as the docs spell it: "bearer TOKEN;"', async () => {
    const app = testApp(db.db);
    const token = await buildToken(db.knex);
    for (const header of [`Bearer ${token.access_token}`, `bearer ${token.access_token};`]) {
      const res = await request(app).get('/api/v1/users/me').set('Authorization', header).expect(200);
      expect(res.body.id).toBe(token.user_id);
    }
  });

  it('accepts a personal token as "Token", and records when it was last used', async () => {
    const app = testApp(db.db);
    const token = await buildPersonalToken(db.knex);
    await request(app).get('/api/v1/users/me').set('Authorization', `Token ${token.token}`).expect(200);
    expect((await db.knex('personal_tokens').where({ id: token.id }).first()).last_used_at).not.toBeNull();
  });

  it('401 without credentials: the challenge without an error', async () => {
    const res = await request(testApp(db.db)).get('/api/v1/users/me').expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="seatshare"');
    expect(res.body).toMatchObject({ code: 401, error: 'Unauthorized' });
  });

  it('401 with error="invalid_token" for unknown, expired, revoked and malformed credentials', async () => {
    const app = testApp(db.db);
    const expired = await buildToken(db.knex, { access_token_expires_at: new Date(Date.now() - 1000) });
    const revoked = await buildToken(db.knex, { revoked_at: new Date() });
    const refreshAsAccess = await buildToken(db.knex);
    for (const header of [
      `Bearer ssa_unknown`,
      `Bearer ${expired.access_token}`,
      `Bearer ${revoked.access_token}`,
      `Bearer ${refreshAsAccess.refresh_token}`,
      'Basic dXNlcjpwdw==',
      `Token ${refreshAsAccess.access_token}`,
    ]) {
      const res = await request(app).get('/api/v1/users/me').set('Authorization', header).expect(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="seatshare", error="invalid_token"/);
      expect(res.body.code).toBe(401);
    }
  });

  it('refuses an Authorization header over 4 kB unparsed: 401 invalid_token, even around a valid token', async () => {
    const app = testApp(db.db);
    const token = await buildPersonalToken(db.knex);
    // Padding between scheme and token is a valid form (and survives HTTP, unlike trailing spaces).
    const padded = (bytes: number) => `Token${' '.repeat(bytes - 'Token'.length - token.token.length)}${token.token}`;
    expect(padded(MAX_AUTHORIZATION_BYTES)).toHaveLength(4096);
    await request(app).get('/api/v1/users/me').set('Authorization', padded(4096)).expect(200);
    const res = await request(app).get('/api/v1/users/me').set('Authorization', padded(4097)).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="seatshare", error="invalid_token"/);
    expect(res.body).toEqual({
      error: 'Unauthorized',
      error_detail: 'The Authorization header is larger than 4 kB.',
      code: 401,
    });
  });

  it('answers a 4 kB header built to make a regex backtrack with 401 invalid_token', async () => {
    const res = await request(testApp(db.db))
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer x${' '.repeat(4000)}!`)
      .expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="seatshare", error="invalid_token"/);
    expect(res.body).toEqual({
      error: 'Unauthorized',
      error_detail: 'The Authorization header is not a Bearer or Token credential.',
      code: 401,
    });
  });

  it('403 insufficient_scope for a write with a read-only token; the write scope passes', async () => {
    const app = testApp(db.db, { mountApiRoutes: writeRoute });
    const reader = await buildToken(db.knex, { scope: ['read'] });
    const res = await request(app)
      .post('/api/v1/things')
      .set('Authorization', `Bearer ${reader.access_token}`)
      .send({})
      .expect(403);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="seatshare", error="insufficient_scope", scope="write"');
    expect(res.body).toMatchObject({ code: 403, error: 'Forbidden' });
    const writer = await buildPersonalToken(db.knex, { scope: ['read', 'write'] });
    await request(app).post('/api/v1/things').set('Authorization', `Token ${writer.token}`).send({}).expect(201);
  });

  it('403 for a read with a write-only token', async () => {
    const token = await buildToken(db.knex, { scope: ['write'] });
    await request(testApp(db.db))
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${token.access_token}`)
      .expect(403);
  });

  it('keeps unknown routes 404 and wrong methods 405 whatever the credentials', async () => {
    const app = testApp(db.db);
    await request(app).get('/api/v1/nothing').expect(404);
    const res = await request(app).delete('/api/v1/users/me').expect(405);
    expect(res.headers.allow).toBe('GET, PUT, PATCH, HEAD, OPTIONS');
  });
});

describe('GET /api/v1/users/me', () => {
  it('presents yourself with your private fields', async () => {
    const user = await buildUser(db.knex, { first_name: 'Ann', last_name: 'Lee', timezone: 'Europe/Paris' });
    const token = await buildToken(db.knex, { user_id: user.id });
    const res = await request(testApp(db.db))
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${token.access_token}`)
      .expect(200);
    expect(res.body).toEqual({
      id: user.id,
      first_name: 'Ann',
      last_name: 'Lee',
      display_name: 'Ann Lee',
      email: user.email,
      location: '',
      bio: '',
      mobile: '',
      created_at: user.created_at.toISOString(),
      timezone: 'Europe/Paris',
      sms_notify: false,
      updated_at: user.updated_at.toISOString(),
    });
    expect(res.body.password_hash).toBeUndefined();
  });
});

describe('POST /api/authenticate/', () => {
  it('returns a new personal token for the right email and password', async () => {
    const app = testApp(db.db);
    const user = await buildUser(db.knex, { email: 'Ann@Example.com' });
    const res = await request(app)
      .post('/api/authenticate/')
      .send({ username: 'ann@example.com', password: 'correct horse battery staple' })
      .expect(200);
    expect(res.body).toEqual({ token: expect.stringMatching(/^ssp_/) });
    const me = await request(app).get('/api/v1/users/me').set('Authorization', `Token ${res.body.token}`).expect(200);
    expect(me.body.id).toBe(user.id);
  });

  it('400 for wrong credentials, and 400 with fields for a malformed body', async () => {
    const app = testApp(db.db);
    const user = await buildUser(db.knex);
    const wrong = await request(app)
      .post('/api/authenticate/')
      .send({ username: user.email, password: 'nope' })
      .expect(400);
    expect(wrong.body).toMatchObject({ code: 400, error_detail: 'Unable to log in with the provided credentials.' });
    const malformed = await request(app).post('/api/authenticate/').send({ user: 'x' }).expect(400);
    expect(Object.keys(malformed.body.fields).sort()).toEqual(['password', 'user', 'username']);
    expect(await db.knex('personal_tokens').count({ n: '*' }).first()).toEqual({ n: 0 });
  });
});
