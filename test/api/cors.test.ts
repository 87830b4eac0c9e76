// CORS (SPEC §8, src/http/cors.ts): the API and the token, revocation and introspection
// endpoints answer any origin without credentials and expose the headers a browser app reads;
// pages and the authorization endpoint answer no origin at all. The whole flow in a browser:
// test/e2e/cors-spa.test.ts.
import request from 'supertest';
import type { Response } from 'supertest';
import { testApp, testConfig } from '../helpers/app';
import { browser } from '../helpers/browser';
import { as, useWorld } from '../helpers/world';

const t = useWorld({ truncate: false }); // nothing here changes the world

const PARTNER = 'https://partner.example';
const EXPOSED = [
  'ETag',
  'Link',
  'X-Total-Count',
  'Location',
  'Retry-After',
  'RateLimit-Policy',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'WWW-Authenticate',
  'X-Request-Id',
  'Idempotent-Replayed',
  'X-Sync-Time',
];

const list = (header: string | undefined) => (header ?? '').split(',').map((name) => name.trim().toLowerCase());
const accessControlHeaders = (res: Response) => Object.keys(res.headers).filter((h) => h.startsWith('access-control-'));

function preflight(path: string, method: string, headers: string) {
  return request(t.app)
    .options(path)
    .set('Origin', PARTNER)
    .set('Access-Control-Request-Method', method)
    .set('Access-Control-Request-Headers', headers);
}

/** What every answer readable from another origin carries. */
function expectReadableAnywhere(res: Response) {
  expect(res.headers['access-control-allow-origin']).toBe('*');
  expect(list(res.headers['access-control-expose-headers'])).toEqual(EXPOSED.map((h) => h.toLowerCase()));
  expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
}

function expectNoCors(res: Response) {
  expect(accessControlHeaders(res)).toEqual([]);
  expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
}

describe('CORS preflights', () => {
  it('answers a preflight for an API GET with a bearer token: any origin, no credentials, cached 2 hours', async () => {
    const res = await preflight('/api/v1/tickets', 'GET', 'authorization').expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(list(res.headers['access-control-allow-methods'])).toEqual([
      'get',
      'head',
      'post',
      'put',
      'patch',
      'delete',
    ]);
    expect(list(res.headers['access-control-allow-headers'])).toEqual([
      'authorization',
      'content-type',
      'if-match',
      'if-none-match',
      'idempotency-key',
      'x-request-id',
    ]);
    expect(res.headers['access-control-max-age']).toBe('7200');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers.allow).toBeUndefined(); // the CORS answer, not the route's OPTIONS
    expect(res.text).toBe('');
  });

  it('answers a preflight for a JSON PATCH with If-Match and a POST with Idempotency-Key', async () => {
    const patch = await preflight('/api/v1/tickets/x', 'PATCH', 'authorization,content-type,if-match').expect(204);
    expect(list(patch.headers['access-control-allow-methods'])).toContain('patch');
    const post = await preflight('/api/v1/groups', 'POST', 'authorization,content-type,idempotency-key').expect(204);
    expect(list(post.headers['access-control-allow-headers'])).toContain('idempotency-key');
  });

  it.each(['/oauth/token', '/oauth/revoke', '/oauth/introspect'])('answers a preflight for POST %s', async (path) => {
    const res = await preflight(path, 'POST', 'content-type').expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(list(res.headers['access-control-allow-methods'])).toEqual(['get', 'post']);
    expect(list(res.headers['access-control-allow-headers'])).toContain('content-type');
    expect(list(res.headers['access-control-allow-headers'])).toContain('authorization');
    expect(res.headers['access-control-max-age']).toBe('7200');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('keeps a plain OPTIONS (no Origin, no requested method) the route’s: 204 with Allow', async () => {
    const res = await request(t.app).options('/api/v1/tickets').expect(204);
    expect(res.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
    const withOrigin = await request(t.app).options('/api/v1/tickets').set('Origin', PARTNER).expect(204);
    expect(withOrigin.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
  });
});

describe('CORS on API replies', () => {
  it('lets another origin read a list with its headers', async () => {
    const res = await as(t.app, t.world.tokens.member)
      .get('/api/v1/tickets?limit=2')
      .set('Origin', PARTNER)
      .expect(200);
    expectReadableAnywhere(res);
    expect(res.headers['x-total-count']).toBe('5');
    expect(res.headers.link).toContain('rel="next"');
    expect(res.headers.vary ?? '').not.toMatch(/origin/i); // one answer for every origin, cacheable
  });

  it('exposes every rate-limit header the limiter really sends', async () => {
    const res = await as(t.app, t.world.tokens.member).get('/api/v1/users/me').set('Origin', PARTNER).expect(200);
    const sent = Object.keys(res.headers).filter((h) => h.startsWith('ratelimit'));
    expect(sent.length).toBeGreaterThan(0);
    expect(list(res.headers['access-control-expose-headers'])).toEqual(expect.arrayContaining(sent));
  });

  it('lets another origin read a 401 error object and its WWW-Authenticate', async () => {
    const res = await request(t.app).get('/api/v1/tickets').set('Origin', PARTNER).expect(401);
    expect(res.body).toMatchObject({ error: 'Unauthorized', code: 401 });
    expect(res.headers['www-authenticate']).toBeDefined();
    expectReadableAnywhere(res);
  });

  it('lets another origin read a 404 error object, also for a path in another case', async () => {
    const res = await as(t.app, t.world.tokens.member).get('/api/v1/nowhere').set('Origin', PARTNER).expect(404);
    expect(res.body).toMatchObject({ error: 'Not Found', code: 404 });
    expectReadableAnywhere(res);
    expectReadableAnywhere(await request(t.app).get('/API/v1/tickets').set('Origin', PARTNER).expect(401));
  });

  it('lets another origin read a 429 with Retry-After', async () => {
    const app = testApp(t.db, { config: testConfig({ RATE_LIMIT_API_PER_TOKEN: '1' }) });
    await as(app, t.world.tokens.loner).get('/api/v1/users/me').expect(200);
    const res = await as(app, t.world.tokens.loner).get('/api/v1/users/me').set('Origin', PARTNER).expect(429);
    expect(res.body).toMatchObject({ code: 429 });
    expect(res.headers['retry-after']).toBeDefined();
    expectReadableAnywhere(res);
  });

  it('gives a session cookie sent from another origin nothing: the API ignores it, no credentials allowed', async () => {
    const signedIn = browser(t.app);
    expect((await signedIn.login(t.world.member.email)).status).toBe(303);
    await signedIn.agent.get('/account/tokens').expect(200); // a live session cookie
    const res = await signedIn.agent.get('/api/v1/tickets').set('Origin', PARTNER).expect(401);
    expect(res.headers['access-control-allow-origin']).toBe('*'); // which browsers never combine with cookies
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    const asked = await preflight('/api/v1/tickets', 'GET', 'authorization').set('Cookie', 'seatshare.sid=x');
    expect(asked.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('CORS on the token endpoints', () => {
  it('lets another origin read the token endpoint’s OAuth error', async () => {
    const res = await request(t.app)
      .post('/oauth/token')
      .set('Origin', PARTNER)
      .type('form')
      .send({ grant_type: 'authorization_code', code: 'nope', client_id: 'nobody' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body.error).toEqual(expect.any(String));
    expectReadableAnywhere(res);
  });

  it('lets another origin read revocation, introspection and the metadata', async () => {
    const revoke = await request(t.app)
      .post('/oauth/revoke')
      .set('Origin', PARTNER)
      .type('form')
      .send({ token: 'nothing', client_id: 'nobody' });
    expectReadableAnywhere(revoke);
    const introspect = await request(t.app)
      .post('/oauth/introspect')
      .set('Origin', PARTNER)
      .type('form')
      .send({ token: 'nothing' });
    expectReadableAnywhere(introspect);
    expectReadableAnywhere(
      await request(t.app).get('/.well-known/oauth-authorization-server').set('Origin', PARTNER).expect(200),
    );
  });
});

describe('no CORS on pages and the authorization endpoint', () => {
  it.each(['/login', '/signup', '/account/tokens', '/developer/apps', '/oauth/authorize', '/oauth/authorization'])(
    'GET %s from another origin: no Access-Control-* headers, CORP same-origin',
    async (path) => {
      expectNoCors(await request(t.app).get(path).set('Origin', PARTNER));
    },
  );

  it.each(['/login', '/account/tokens', '/oauth/authorize'])('does not answer a preflight to %s', async (path) => {
    expectNoCors(await preflight(path, 'POST', 'content-type'));
  });

  it('no CORS on a page below a token endpoint’s path', async () => {
    expectNoCors(await request(t.app).get('/oauth/token/elsewhere').set('Origin', PARTNER).expect(404));
  });
});

describe('the password login for personal tokens', () => {
  it('answers no CORS: a page elsewhere cannot read password guesses made from its visitors', async () => {
    const { app } = t;
    const preflight = await request(app)
      .options('/api/authenticate/')
      .set('Origin', PARTNER)
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const post = await request(app)
      .post('/api/authenticate/')
      .set('Origin', PARTNER)
      .send({ username: 'nobody@example.com', password: 'a wrong password' });
    expect(post.body).toMatchObject({ code: 400, error_detail: 'Unable to log in with the provided credentials.' });
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
  });
});
