// The error model of SPEC §4 through the real middleware stack: every failure under /api is
// the error object with the right status, whatever raised it.
import { parse as parseQueryString } from 'node:querystring';
import request from 'supertest';
import pino from 'pino';
import { z } from 'zod';
import type { Router } from 'express';
import { createDatabase } from '../src/db';
import { resource } from '../src/http/routes';
import { parseInput } from '../src/http/validate';
import { fromZodError, notFound } from '../src/errors';
import { useTestDatabase } from './helpers/db';
import { capturingLogger, testApp, testEndpoint } from './helpers/app';
import { buildUser } from './factories';

const db = useTestDatabase();
// Nothing listens on port 1: every query fails to connect, as in a database outage.
const unreachable = () =>
  createDatabase(
    { databaseUrl: 'postgres://nobody@127.0.0.1:1/none', dataDir: '', dbPoolMax: 1 },
    { acquireConnectionTimeout: 2000, logger: pino({ level: 'silent' }) },
  );

const thingSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be blank').max(100),
  size: z.number().int().optional(),
});

function routes(api: Router) {
  resource(api, '/v1/things', {
    get: testEndpoint((_req, res) => {
      res.json([]);
    }),
    post: testEndpoint((req, res) => {
      const thing = parseInput(thingSchema, req.body);
      res.status(201).location('/api/v1/things/1').json(thing);
    }),
  });
  resource(api, '/v1/things/:id', {
    get: testEndpoint(() => {
      throw notFound();
    }),
    delete: testEndpoint((_req, res) => {
      res.status(204).end();
    }),
  });
  resource(api, '/v1/sql/:case', {
    post: testEndpoint(async (req, res) => {
      const user = { email: 'dup@example.com', password_hash: 'x', first_name: 'A', last_name: 'B' };
      switch (req.params.case) {
        case 'unique':
          await db.knex('users').insert(user);
          await db.knex('users').insert({ ...user, email: 'DUP@example.com' });
          break;
        case 'check':
          await db.knex('users').insert({ ...user, first_name: '' });
          break;
        case 'foreign-key':
          await db
            .knex('memberships')
            .insert({ group_id: '00000000-0000-4000-8000-000000000000', user_id: (await buildUser(db.knex)).id });
          break;
        case 'not-null':
          await db.knex('users').insert({ ...user, email: null });
          break;
        case 'bad-text':
          await db.knex.raw("select 'abc'::integer");
          break;
        case 'outage':
          await unreachableDb.knex.raw('select 1');
          break;
        case 'syntax':
          await db.knex.raw('select * from users where password_hash = ? and', ['secret']);
          break;
      }
      res.status(204).end();
    }),
  });
  resource(api, '/v1/boom', {
    get: testEndpoint(() => {
      throw new Error('boom: select password_hash from users');
    }),
  });
}

let unreachableDb: ReturnType<typeof unreachable>;
beforeAll(() => {
  unreachableDb = unreachable();
});
afterAll(() => unreachableDb.close());

const app = () => testApp(db.db, { mountApiRoutes: routes });

function expectErrorObject(body: unknown, code: number, error: string) {
  expect(body).toEqual(expect.objectContaining({ code, error, error_detail: expect.any(String) }));
  expect(Object.keys(body as object).sort()).toEqual(expect.arrayContaining(['code', 'error', 'error_detail']));
}

describe('the router', () => {
  it('answers an unknown API route with 404 and the error object', async () => {
    const res = await request(app())
      .get('/api/v1/nothing-here')
      .expect(404)
      .expect('Content-Type', /application\/json; charset=utf-8/);
    expectErrorObject(res.body, 404, 'Not Found');
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const res = await request(app()).put('/api/v1/things').send({}).expect(405);
    expect(res.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
    expectErrorObject(res.body, 405, 'Method Not Allowed');
    const single = await request(app()).patch('/api/v1/things/1').send({}).expect(405);
    expect(single.headers.allow).toBe('GET, DELETE, HEAD, OPTIONS');
  });

  it('answers OPTIONS with 204 and Allow, and HEAD like GET', async () => {
    const res = await request(app()).options('/api/v1/things').expect(204);
    expect(res.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
    await request(app()).head('/api/v1/things').expect(200);
  });

  it('answers in the error object whatever the case of /api, and with a query on /api itself', async () => {
    expectErrorObject((await request(app()).get('/API/v1/nothing').expect(404)).body, 404, 'Not Found');
    expectErrorObject((await request(app()).get('/api?x=1').expect(404)).body, 404, 'Not Found');
  });

  it('400, not 500, for a path with a malformed %-escape', async () => {
    expectErrorObject((await request(app()).get('/api/v1/things/%E0%A4%A').expect(400)).body, 400, 'Bad Request');
  });

  it('passes a record error through as 404', async () => {
    const res = await request(app()).get('/api/v1/things/42').expect(404);
    expect(res.body).toEqual({
      error: 'Not Found',
      error_detail: 'The record you requested could not be found.',
      code: 404,
    });
  });
});

describe('content negotiation and bodies', () => {
  it('406 when Accept excludes JSON', async () => {
    const res = await request(app()).get('/api/v1/things').set('Accept', 'text/html').expect(406);
    expectErrorObject(res.body, 406, 'Not Acceptable');
    await request(app()).get('/api/v1/things').set('Accept', 'text/html, application/json;q=0.5').expect(200);
    await request(app()).get('/api/v1/things').set('Accept', '*/*').expect(200);
  });

  it('415 for a body that is not JSON, or not UTF-8', async () => {
    const form = await request(app()).post('/api/v1/things').type('form').send('name=x').expect(415);
    expectErrorObject(form.body, 415, 'Unsupported Media Type');
    const latin1 = await request(app())
      .post('/api/v1/things')
      .set('Content-Type', 'application/json; charset=latin1')
      .send('{"name":"x"}')
      .expect(415);
    expectErrorObject(latin1.body, 415, 'Unsupported Media Type');
  });

  it('400 for malformed JSON', async () => {
    const res = await request(app())
      .post('/api/v1/things')
      .set('Content-Type', 'application/json')
      .send('{"name": ')
      .expect(400);
    expectErrorObject(res.body, 400, 'Bad Request');
    expect(res.body.error_detail).toBe('The request body is not valid JSON.');
  });

  it('4xx, not 500, for a body whose Content-Encoding is false or unsupported', async () => {
    const gzip = await request(app())
      .post('/api/v1/things')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('{"name":"x"}');
    expect(gzip.status).toBeGreaterThanOrEqual(400);
    expect(gzip.status).toBeLessThan(500);
    expect(gzip.body.code).toBe(gzip.status);
    const unknown = await request(app())
      .post('/api/v1/things')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'zstd-nope')
      .send('{"name":"x"}');
    expect(unknown.status).toBe(415);
  });

  it('413 for a body over 100 kB', async () => {
    const res = await request(app())
      .post('/api/v1/things')
      .send({ name: 'x'.repeat(101 * 1024) })
      .expect(413);
    expectErrorObject(res.body, 413, 'Payload Too Large');
  });

  it('400 with fields for invalid and unknown fields, 201 for a valid body', async () => {
    const res = await request(app())
      .post('/api/v1/things')
      .send({ name: '   ', size: 1.5, colour: 'red', id: 'x' })
      .expect(400);
    expect(res.body).toEqual({
      error: 'Bad Request',
      error_detail: 'Some fields are not valid.',
      code: 400,
      fields: {
        name: ['must not be blank'],
        size: [expect.any(String)],
        colour: ['is not a field that can be set here'],
        id: ['is not a field that can be set here'],
      },
    });
    const created = await request(app()).post('/api/v1/things').send({ name: '  Trimmed  ' }).expect(201);
    expect(created.body).toEqual({ name: 'Trimmed' });
    expect(created.headers.location).toBe('/api/v1/things/1');
  });

  it('400 with a field for a body that is not an object', async () => {
    const res = await request(app()).post('/api/v1/things').send([1, 2]).expect(400);
    expect(res.body.fields).toEqual({ body: [expect.any(String)] });
  });

  it('400 naming fields called like Object.prototype members, and no prototype is polluted', async () => {
    // Raw JSON: a "__proto__" key in an object literal would set the prototype instead.
    const body = '{"name": "x", "__proto__": {"polluted": true}, "constructor": 1, "toString": 2, "hasOwnProperty": 3}';
    const res = await request(app())
      .post('/api/v1/things')
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(400);
    expect(Object.keys(res.body.fields).sort()).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
    for (const messages of Object.values(res.body.fields))
      expect(messages).toEqual(['is not a field that can be set here']);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    // A query string parses to an object without a prototype; the names are the client's all the same.
    const query = z.strictObject({}).safeParse(parseQueryString('constructor=1&__proto__=2&valueOf=3'));
    expect(fromZodError(query.error!).options.fields).toEqual({
      constructor: ['is not a field that can be set here'],
      ['__proto__']: ['is not a field that can be set here'], // computed: an own key, as in JSON
      valueOf: ['is not a field that can be set here'],
    });
  });
});

describe('database errors by SQLSTATE', () => {
  it.each([
    ['unique', 409, 'Conflict'],
    ['foreign-key', 409, 'Conflict'],
    ['check', 400, 'Bad Request'],
    ['not-null', 400, 'Bad Request'],
    ['bad-text', 400, 'Bad Request'],
  ])('%s violation → %i', async (kind, status, error) => {
    const res = await request(app()).post(`/api/v1/sql/${kind}`).expect(status);
    expectErrorObject(res.body, status, error);
    expect(JSON.stringify(res.body)).not.toMatch(/insert|select|users|constraint/i);
  });

  it('an unreachable database is 503 with Retry-After, not 500', async () => {
    const res = await request(app()).post('/api/v1/sql/outage').expect(503);
    expect(res.headers['retry-after']).toBe('5');
    expectErrorObject(res.body, 503, 'Service Unavailable');
  });
});

describe('unexpected errors', () => {
  it('500 without stack or SQL, logged with the request id', async () => {
    const { logger, lines } = capturingLogger();
    const server = testApp(db.db, { mountApiRoutes: routes, logger });
    const res = await request(server).get('/api/v1/boom').set('X-Request-Id', 'req-abc.123').expect(500);
    expect(res.headers['x-request-id']).toBe('req-abc.123');
    expect(res.body).toEqual({
      error: 'Internal Server Error',
      error_detail: 'Something went wrong on our side. The error has been logged.',
      code: 500,
    });
    const logged = lines.find((line) => line.msg === 'request failed');
    expect(logged).toMatchObject({
      reqId: 'req-abc.123',
      level: 50,
      err: { message: 'boom: select password_hash from users' },
    });

    const sql = await request(server).post('/api/v1/sql/syntax').expect(500);
    expect(JSON.stringify(sql.body)).not.toMatch(/select|secret|users/i);
  });
});

describe('request log', () => {
  it('keeps codes, secrets and tokens out of logged URLs, also percent-encoded inside return_to', async () => {
    const { logger, lines } = capturingLogger();
    const server = testApp(db.db, { logger });
    const secrets = ['ssi_invitationsecret', 'authcodesecret', 'refreshsecret'];
    await request(server).get(`/login?return_to=${encodeURIComponent(`/join?code=${secrets[0]}`)}`);
    await request(server).get(`/join?code=${secrets[0]}&x=1`);
    await request(server).get(`/oauth/callback?state=s&code=${secrets[1]}`);
    await request(server).get(
      `/login?return_to=${encodeURIComponent(`/x?${encodeURIComponent(`a=1&refresh_token=${secrets[2]}`)}`)}`,
    );
    const urls = lines.map((line) => (line.req as { url?: string } | undefined)?.url).filter(Boolean);
    expect(urls).toHaveLength(4);
    for (const secret of secrets) expect(JSON.stringify(lines)).not.toContain(secret);
    expect(urls[0]).toBe('/login?return_to=%2Fjoin%3Fcode%3D[redacted]');
    expect(urls[1]).toBe('/join?code=[redacted]&x=1');
    expect(urls[2]).toBe('/oauth/callback?state=s&code=[redacted]');
  });
});

describe('request ids', () => {
  it('echoes a sane X-Request-Id and replaces anything else with a UUID', async () => {
    const given = await request(app()).get('/healthz').set('X-Request-Id', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const weird = await request(app()).get('/healthz').set('X-Request-Id', 'bad id\twith spaces');
    expect(weird.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const none = await request(app()).get('/healthz');
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('health checks', () => {
  it('/healthz answers while the process is up', async () => {
    const res = await request(app()).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 with the database reachable and 503 without it', async () => {
    expect((await request(app()).get('/readyz').expect(200)).body).toEqual({ status: 'ok', database: 'reachable' });
    const down = await request(testApp(unreachableDb)).get('/readyz').expect(503);
    expectErrorObject(down.body, 503, 'Service Unavailable');
    expect(down.headers['retry-after']).toBe('5');
  });

  it('pages that do not exist are 404 in plain text, outside the API', async () => {
    const res = await request(app()).get('/no-such-page').expect(404);
    expect(res.text).toMatch(/^404 Not Found/);
  });
});
