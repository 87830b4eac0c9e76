// Client input at the token, revocation and introspection endpoints (SPEC §3, RFC 6749 §3.2):
// a parameter sent twice or not as a string is invalid_request, hostile values are a 4xx OAuth
// error, never a 5xx; and the token-side half of loopback redirect URIs (RFC 8252 §7.3).
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp } from '../helpers/app';
import { pkcePair } from '../helpers/browser';
import { buildAuthorizationCode, buildClient, buildToken } from '../factories';
import { OAUTH_ERRORS } from '../../src/oauth/protocol';
import { issueCode, LIBRARY_REFUSALS as LIBRARY } from './token-helpers';

const db = useTestDatabase();
const CB = 'http://127.0.0.1:9999/cb';
const NOT_STRINGS: Array<[string, unknown]> = [
  ['an object', {}],
  ['an array', ['a']],
  ['a number', 5],
  ['null', null],
  ['a boolean', true],
];

type App = ReturnType<typeof testApp>;

/** invalid_request; with `parameter`, the refusal of oauthParameters() for that parameter (not another check's). */
function expectInvalidRequest(res: request.Response, what: string, parameter?: string) {
  const body = res.body as { error?: unknown; error_description?: unknown };
  expect({ what, status: res.status, error: body.error }).toEqual({ what, status: 400, error: 'invalid_request' });
  if (parameter !== undefined)
    expect({ what, description: body.error_description }).toEqual({
      what,
      description: OAUTH_ERRORS.parameterNotSingle(parameter).description,
    });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
}

/** A form body with `name` sent twice (both times the valid value). */
const formWithRepeat = (fields: Record<string, string>, name: string) =>
  new URLSearchParams([...Object.entries(fields), [name, fields[name]!]]).toString();

/** Every way to send each parameter of `fields` wrongly; `send` sends one body (a form string or an object). */
async function everyMalformedParameter(
  fields: Record<string, string>,
  send: (body: string | object) => Promise<request.Response>,
) {
  for (const name of Object.keys(fields)) {
    expectInvalidRequest(await send(formWithRepeat(fields, name)), `${name} twice`, name);
    for (const [label, value] of NOT_STRINGS)
      expectInvalidRequest(await send({ ...fields, [name]: value }), `${name} as ${label}`, name);
  }
}

async function worldOf(app: App) {
  const { client, pkce, code } = await issueCode(db.knex);
  const token = await buildToken(db.knex, { client_id: client.id });
  const credentials = { client_id: client.client_id, client_secret: client.secret! };
  const post = (path: string) => (body: string | object) =>
    typeof body === 'string' ? request(app).post(path).type('form').send(body) : request(app).post(path).send(body);
  return { client, code, token, credentials, pkce, post };
}

describe('parameters sent twice or not as strings (RFC 6749 §3.2)', () => {
  it('answers invalid_request for every parameter of the authorization_code grant, and spends nothing', async () => {
    const app = testApp(db.db);
    const { code, credentials, pkce, post } = await worldOf(app);
    const fields = {
      grant_type: 'authorization_code',
      code: code.code,
      redirect_uri: CB,
      code_verifier: pkce.verifier,
      ...credentials,
    };
    expectInvalidRequest(
      await request(app).post('/oauth/token').type('form').send(`code=a&code=b&grant_type=authorization_code`),
      'code=a&code=b',
      'code',
    );
    await everyMalformedParameter(fields, post('/oauth/token'));
    expect((await db.knex('oauth_authorization_codes').where({ id: code.id }).first()).consumed_at).toBeNull();
    await post('/oauth/token')(fields).expect(200); // the same request, well formed
  });

  it('answers invalid_request for every parameter of the refresh_token grant, and rotates nothing', async () => {
    const app = testApp(db.db);
    const { token, credentials, post } = await worldOf(app);
    const fields = { grant_type: 'refresh_token', refresh_token: token.refresh_token, scope: 'read', ...credentials };
    await everyMalformedParameter(fields, post('/oauth/token'));
    expect((await db.knex('oauth_tokens').where({ id: token.id }).first()).refresh_used_at).toBeNull();
    await post('/oauth/token')(fields).expect(200);
  });

  it('answers invalid_request for every parameter of the legacy GET form', async () => {
    const app = testApp(db.db);
    const { client, credentials } = await worldOf(app);
    const code = await buildAuthorizationCode(db.knex, { client_id: client.id });
    const fields = { grant_type: 'authorization_code', code: code.code, redirect_uri: CB, ...credentials };
    for (const name of Object.keys(fields)) {
      expectInvalidRequest(
        await request(app).get(`/oauth/token?${formWithRepeat(fields, name)}`),
        `${name} twice`,
        name,
      );
    }
    await request(app)
      .get(`/oauth/token?${new URLSearchParams(fields).toString()}`)
      .expect(200);
  });

  it.each(['/oauth/revoke', '/oauth/introspect'])(
    'answers invalid_request for every parameter of %s, and revokes nothing',
    async (path) => {
      const app = testApp(db.db);
      const { token, credentials, post } = await worldOf(app);
      await everyMalformedParameter(
        { token: token.access_token, token_type_hint: 'access_token', ...credentials },
        post(path),
      );
      expect((await db.knex('oauth_tokens').where({ id: token.id }).first()).revoked_at).toBeNull();
    },
  );
});

describe('hostile values', () => {
  it("answers a 4xx OAuth error (or revocation's 200), never a 5xx, at every endpoint", async () => {
    const app = testApp(db.db);
    const { token, credentials, post } = await worldOf(app);
    const hostile = ['\u0000', 'a\u0000b', 'x'.repeat(20_000), '\u{1F600}', '%', 'constructor', '__proto__'];
    for (const value of hostile) {
      const bodies: Array<[string, object]> = [
        [
          '/oauth/token',
          { grant_type: 'authorization_code', code: value, redirect_uri: value, code_verifier: value, ...credentials },
        ],
        ['/oauth/token', { grant_type: 'refresh_token', refresh_token: value, scope: value, ...credentials }],
        ['/oauth/token', { grant_type: value, client_id: value, client_secret: value }],
        ['/oauth/revoke', { token: value, client_id: value, client_secret: value }],
        ['/oauth/revoke', { token: value, token_type_hint: value, ...credentials }],
        ['/oauth/introspect', { token: value, client_id: value }],
      ];
      for (const [path, body] of bodies) {
        for (const res of [
          await post(path)(body),
          await post(path)(new URLSearchParams(body as Record<string, string>).toString()),
        ]) {
          // 200 {} is revocation's answer to a token it does not know (RFC 7009 §2.2).
          const answer = res.status === 200 ? res.body : typeof res.body.error;
          expect({ path, body, status: [200, 400, 401].includes(res.status), answer }).toEqual({
            path,
            body,
            status: true,
            answer: path === '/oauth/revoke' && res.status === 200 ? {} : 'string',
          });
        }
      }
      if (value.length > 1000) continue; // Node refuses such a header itself (431)
      const basic = await request(app)
        .post('/oauth/introspect')
        .auth(value, value)
        .type('form')
        .send({ token: token.access_token });
      expect(basic.status).toBe(401);
    }
    // An inherited grant_type is no grant_type: the request misses one.
    const json = JSON.stringify({ constructor: 1, ...credentials }).replace(
      '{',
      '{"__proto__": {"grant_type": "refresh_token"},',
    );
    const proto = await request(app).post('/oauth/token').set('Content-Type', 'application/json').send(json);
    expectInvalidRequest(proto, '__proto__');
    expect(proto.body).toEqual(LIBRARY.missingGrantType);
  });
});

describe('loopback redirect URIs at the token endpoint (RFC 8252 §7.3)', () => {
  it('exchanges a code issued for a port of a registered loopback URI when the request repeats that port, and no other', async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex, { client_type: 'public', redirect_uris: ['http://127.0.0.1/callback'] });
    const exchange = async (issuedFor: string, sent: string) => {
      const pkce = pkcePair();
      const code = await buildAuthorizationCode(db.knex, {
        client_id: client.id,
        redirect_uri: issuedFor,
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      });
      return request(app).post('/oauth/token').type('form').send({
        grant_type: 'authorization_code',
        code: code.code,
        redirect_uri: sent,
        code_verifier: pkce.verifier,
        client_id: client.client_id,
      });
    };
    const port = 'http://127.0.0.1:53682/callback';
    expect((await exchange(port, port)).status).toBe(200);
    expect((await exchange('http://127.0.0.1/callback', 'http://127.0.0.1/callback')).status).toBe(200);
    for (const other of ['http://127.0.0.1:53683/callback', 'http://127.0.0.1/callback']) {
      const res = await exchange(port, other);
      expect({ other, status: res.status, body: res.body as unknown }).toEqual({
        other,
        status: 400,
        body: OAUTH_ERRORS.redirectUriChanged().body,
      });
    }
  });
});
