// Keys named like Object.prototype's members (issue #14, finding 4): `?constructor=1` or a body
// `{"__proto__": 1}` was a 500 (`fields[name].push is not a function`) on any endpoint, the
// fuzzer's only 5xx. A property over the whole OpenAPI document: every operation, each key as a
// query key and (where a body is read) as a body key, answers 400 with the error object and
// `fields` naming the key — and no prototype is polluted on the way. The OAuth machine endpoints
// answer them in their own dialect, and the pages never with a 5xx.
import type { Express } from 'express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { useTestDatabase } from './helpers/db';
import { testApp, testConfig } from './helpers/app';
import { buildWorld, type World } from './helpers/world';
import { browser, csrfFrom } from './helpers/browser';
import { buildClient, buildInvitation } from './factories';

const HOSTILE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

// The probes are not login attempts to count: limits high enough that /api/authenticate answers
// for the body, not with 429.
const PROBE_LIMITS = {
  RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: '1000',
  RATE_LIMIT_LOGIN_PER_ACCOUNT: '1000',
  RATE_LIMIT_LOGIN_PER_IP: '1000',
  RATE_LIMIT_SIGNUP_PER_IP: '1000',
  RATE_LIMIT_TOKEN_PER_IP: '1000',
};

const db = useTestDatabase({ truncate: false }); // nothing gets past validation: one world for all
let app: Express;
let world: World;
let invitationId: string;
let rowsBefore: number[];
let operations: Array<{ method: 'get' | 'post' | 'put' | 'patch' | 'delete'; template: string; path: string }>;

beforeAll(async () => {
  world = await buildWorld(db.knex);
  invitationId = (await buildInvitation(db.knex, { group_id: world.groupA.id })).id;
  rowsBefore = await rowCounts();
  app = testApp(db.db, { config: testConfig(PROBE_LIMITS) });
  const document = (await request(app).get('/api/v1/openapi.json').expect(200)).body as {
    paths: Record<string, Record<string, unknown>>;
  };
  operations = Object.entries(document.paths).flatMap(([template, methods]) =>
    Object.keys(methods).map((method) => ({ method: method as 'get', template, path: fill(template) })),
  );
});

/** A real record of the world for each path parameter (its resource's), a random UUID for any other. */
function fill(template: string): string {
  const { member, groupA, events, tickets, aliases } = world;
  const ofResource: Record<string, string> = {
    users: member.id,
    user_aliases: aliases.memberAlias.id,
    groups: groupA.id,
    events: events.future.id,
    tickets: tickets.ownedByAdmin.id,
    ticket: tickets.ownedByAdmin.id,
  };
  return template.replace(/\/([a-z_]+)\/\{(\w+)\}/g, (_match, resource: string, param: string) => {
    const id =
      param === 'id'
        ? ofResource[resource]
        : param === 'user_id'
          ? member.id
          : param === 'invitation_id'
            ? invitationId
            : undefined;
    return `/${resource}/${id ?? randomUUID()}`;
  });
}

const TAKES_BODY = new Set(['post', 'put', 'patch']);

const WRITABLE_TABLES = [
  'users',
  'groups',
  'memberships',
  'invitations',
  'events',
  'tickets',
  'ticket_history',
  'user_aliases',
  'personal_tokens',
];
async function rowCounts(): Promise<number[]> {
  return Promise.all(WRITABLE_TABLES.map(async (table) => Number((await db.knex(table).count({ n: '*' }).first())!.n)));
}

/** What is wrong with a reply to a probe with `key`, or undefined when it is the 400 naming it. */
function problemWith(res: request.Response, key: string): string | undefined {
  const body = res.body as {
    error?: unknown;
    error_detail?: unknown;
    code?: unknown;
    fields?: Record<string, unknown>;
  };
  if (res.status !== 400) return `answered ${res.status} ${res.text.slice(0, 200)}`;
  if (body.error !== 'Bad Request' || typeof body.error_detail !== 'string' || body.code !== 400)
    return `not the error object: ${res.text}`;
  const extra = Object.keys(body).filter((name) => !['error', 'error_detail', 'code', 'fields'].includes(name));
  if (extra.length) return `unexpected members ${extra.join(', ')}`;
  if (!body.fields || !Object.hasOwn(body.fields, key))
    return `fields do not name ${key}: ${JSON.stringify(body.fields)}`;
  if (JSON.stringify(body.fields[key]) !== JSON.stringify(['is not a field that can be set here']))
    return `fields.${key} is ${JSON.stringify(body.fields[key])}`;
  return undefined;
}

function probe(method: string, path: string) {
  return request(app)[method as 'get'](path).set('Authorization', `Token ${world.tokens.admin}`);
}

describe('every operation of the OpenAPI document', () => {
  it('walks enough operations to mean something', () => {
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.filter((op) => TAKES_BODY.has(op.method)).length).toBeGreaterThan(20);
  });

  it.each(HOSTILE_KEYS)('answers %s as a query key with 400 and fields naming it', async (key) => {
    const problems: string[] = [];
    for (const { method, path } of operations) {
      let test = probe(method, `${path}?${encodeURIComponent(key)}=1`);
      if (TAKES_BODY.has(method)) test = test.send({});
      const problem = problemWith(await test, key);
      if (problem) problems.push(`${method} ${path}?${key}=1: ${problem}`);
    }
    expect(problems).toEqual([]);
  });

  it.each(HOSTILE_KEYS)('answers %s as a body key with 400 and fields naming it, polluting nothing', async (key) => {
    const problems: string[] = [];
    // Raw JSON: in an object literal, "__proto__" would set the prototype instead of a key.
    const body = `{"${key}": {"polluted": "yes", "admin": true}}`;
    for (const { method, path } of operations.filter((op) => TAKES_BODY.has(op.method))) {
      const problem = problemWith(await probe(method, path).set('Content-Type', 'application/json').send(body), key);
      if (problem) problems.push(`${method} ${path} {"${key}": …}: ${problem}`);
    }
    expect(problems).toEqual([]);
    const plain: Record<string, unknown> = {};
    expect([plain.polluted, plain.admin, Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')]).toEqual([
      undefined,
      undefined,
      false,
    ]);
  });

  it('writes nothing while refusing them', async () => {
    expect(await rowCounts()).toEqual(rowsBefore);
  });
});

describe('the OAuth machine endpoints', () => {
  const ENDPOINTS = ['/oauth/token', '/oauth/revoke', '/oauth/introspect'];
  const isOAuthError = (res: request.Response) =>
    res.status >= 400 &&
    res.status < 500 &&
    res.type === 'application/json' &&
    typeof res.body.error === 'string' &&
    typeof res.body.error_description === 'string';

  it.each(HOSTILE_KEYS)(
    'answer %s in the query, a form or JSON, without a client, with a 4xx OAuth error',
    async (key) => {
      const problems: string[] = [];
      for (const endpoint of ENDPOINTS) {
        const replies = {
          query: await request(app)
            .post(`${endpoint}?${encodeURIComponent(key)}=1`)
            .type('form')
            .send('grant_type=authorization_code&token=x'),
          form: await request(app)
            .post(endpoint)
            .type('form')
            .send(`grant_type=authorization_code&token=x&${encodeURIComponent(key)}=1`),
          // The client named only inside "__proto__" must not be found through a prototype.
          json: await request(app)
            .post(endpoint)
            .set('Content-Type', 'application/json')
            .send(`{"grant_type": "authorization_code", "token": "x", "${key}": {"client_id": "x"}}`),
        };
        for (const [how, res] of Object.entries(replies))
          if (!isOAuthError(res)) problems.push(`${endpoint} (${how}): ${res.status} ${res.text}`);
      }
      expect(problems).toEqual([]);
    },
  );

  it.each(HOSTILE_KEYS)(
    'ignore %s beside real client credentials (RFC 6749 §3.2: unknown parameters are ignored)',
    async (key) => {
      const client = await buildClient(db.knex);
      const send = (endpoint: string, form: string) =>
        request(app)
          .post(endpoint)
          .auth(client.client_id, client.secret!)
          .type('form')
          .send(`${form}&${encodeURIComponent(key)}=1`);
      const token = await send(
        '/oauth/token',
        'grant_type=authorization_code&code=ssc_unknown&redirect_uri=http%3A%2F%2F127.0.0.1%3A9999%2Fcb',
      );
      expect([token.status, token.body.error]).toEqual([400, 'invalid_grant']);
      expect((await send('/oauth/revoke', 'token=ssa_unknown')).body).toEqual({});
      expect((await send('/oauth/introspect', 'token=ssa_unknown')).body).toEqual({ active: false });
    },
  );
});

describe('the pages', () => {
  it.each(HOSTILE_KEYS)('never answer %s as a query key or a form field with a 5xx', async (key) => {
    const b = browser(app);
    const client = await buildClient(db.knex);
    const hostile = `${encodeURIComponent(key)}=1`;
    const statuses: Record<string, number> = {};
    for (const path of ['/login', '/signup', `/oauth/authorize?client_id=${client.client_id}&response_type=code`]) {
      statuses[`GET ${path}`] = (await b.agent.get(`${path}${path.includes('?') ? '&' : '?'}${hostile}`)).status;
    }
    const login = await b.agent.get('/login');
    const form = (fields: string) => `_csrf=${encodeURIComponent(csrfFrom(login.text))}&${fields}&${hostile}`;
    statuses['POST /login'] = (
      await b.agent.post('/login').type('form').send(form('email=nobody%40example.com&password=wrong'))
    ).status;
    statuses['POST /login, no fields'] = (await b.agent.post('/login').type('form').send(form('x=1'))).status;
    const signup = await b.agent.get('/signup');
    statuses['POST /signup'] = (
      await b.agent
        .post('/signup')
        .type('form')
        .send(`_csrf=${encodeURIComponent(csrfFrom(signup.text))}&email=bad&${hostile}`)
    ).status;
    await b.login(world.member.email); // and the authorization endpoint past its login step
    const authorize = `/oauth/authorize?client_id=${client.client_id}&response_type=code&redirect_uri=${encodeURIComponent(client.redirect_uris[0]!)}`;
    statuses['GET /oauth/authorize, signed in'] = (await b.agent.get(`${authorize}&${hostile}`)).status;
    expect(Object.entries(statuses).filter(([, status]) => status >= 500)).toEqual([]);
    // The forms were answered (not refused for CSRF), so the hostile field reached the handlers.
    expect(
      [statuses['POST /login'], statuses['POST /signup']].every(
        (status) => status >= 400 && status < 500 && status !== 403,
      ),
    ).toBe(true);
  });
});
