// The token endpoint, as the RFC checklist: codes, PKCE, client authentication, refresh rotation.
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp } from '../helpers/app';
import { pkcePair } from '../helpers/browser';
import { buildClient, buildToken } from '../factories';
import { hashToken } from '../../src/security/tokens';
import { CB } from './authorize-helpers';
import { OAUTH_ERRORS } from '../../src/oauth/protocol';
import {
  codeExchangeFields,
  exchangeCode,
  issueCode,
  LIBRARY_REFUSALS as LIBRARY,
  postToken as exchange,
  type OAuthErrorBody,
} from './token-helpers';

const db = useTestDatabase();
/** Credentials sent with HTTP Basic instead: the exchange's other four fields. */
const noBodyCredentials = { client_id: undefined, client_secret: undefined };

/** The refusal `expected` (a catalogue entry's or the library's body): which check refused, not only its code. */
function expectOAuthError(res: request.Response, status: number, expected: OAuthErrorBody) {
  expect({ status: res.status, body: res.body as unknown }).toEqual({ status, body: expected });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['cache-control']).toBe('no-store');
  if (status === 401) expect(res.headers['www-authenticate']).toBe('Basic realm="seatshare"');
}

describe('authorization_code grant', () => {
  it('exchanges a code for tokens in the SPEC §3 shape, storing only digests', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex);
    const { client, code } = issued;
    const res = await request(app)
      .post('/oauth/token')
      .auth(client.client_id, client.secret!)
      .type('form')
      .send(codeExchangeFields(issued, noBodyCredentials))
      .expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      access_token: expect.stringMatching(/^ssa_/),
      token_type: 'bearer',
      expires_in: expect.any(Number),
      refresh_token: expect.stringMatching(/^ssr_/),
      scope: 'read write',
    });
    expect(res.body.expires_in).toBeGreaterThan(3590);
    const row = await db
      .knex('oauth_tokens')
      .where({ access_token_hash: hashToken(res.body.access_token) })
      .first();
    expect(row).toMatchObject({
      authorization_code_id: code.id,
      client_id: client.id,
      refresh_token_hash: hashToken(res.body.refresh_token),
    });
  });

  it('accepts client_secret_post and a JSON body', async () => {
    const app = testApp(db.db);
    await request(app)
      .post('/oauth/token')
      .send(codeExchangeFields(await issueCode(db.knex)))
      .expect(200);
  });

  it('percent-decodes client credentials sent with HTTP Basic (RFC 6749 §2.3.1)', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex);
    const { client } = issued;
    const encoded = (value: string) => encodeURIComponent(value).replace(/-/g, '%2D').replace(/_/g, '%5F');
    const basic = Buffer.from(`${encoded(client.client_id)}:${encoded(client.secret!)}`).toString('base64');
    await request(app)
      .post('/oauth/token')
      .set('Authorization', `Basic ${basic}`)
      .type('form')
      .send(codeExchangeFields(issued, noBodyCredentials))
      .expect(200);
  });

  it('lets a public client exchange with client_id and the PKCE verifier alone', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex, { client_type: 'public' });
    expect(codeExchangeFields(issued)).not.toHaveProperty('client_secret'); // a public client has none
    await exchangeCode(app, issued).expect(200);
  });

  it('rejects an expired code', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex, {}, { expires_at: new Date(Date.now() - 1000) });
    expectOAuthError(await exchangeCode(app, issued), 400, LIBRARY.codeExpired);
  });

  it('rejects a reused code and revokes the tokens issued from it', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex);
    const { client } = issued;
    const first = await exchangeCode(app, issued).expect(200);
    await request(app).get('/api/v1/users/me').set('Authorization', `Bearer ${first.body.access_token}`).expect(200);
    expectOAuthError(await exchangeCode(app, issued), 400, LIBRARY.codeInvalid);
    await request(app).get('/api/v1/users/me').set('Authorization', `Bearer ${first.body.access_token}`).expect(401);
    expectOAuthError(
      await exchange(app, {
        grant_type: 'refresh_token',
        refresh_token: first.body.refresh_token,
        client_id: client.client_id,
        client_secret: client.secret,
      }),
      400,
      LIBRARY.refreshInvalid,
    );
  });

  it('gives exactly one success for two concurrent redemptions of one code', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex);
    const results = await Promise.all([
      exchangeCode(app, issued),
      exchangeCode(app, issued),
      exchangeCode(app, issued),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
  });

  it("rejects another client's code", async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex);
    const { code } = issued;
    const other = await buildClient(db.knex);
    expectOAuthError(
      await exchangeCode(app, issued, { client_id: other.client_id, client_secret: other.secret }),
      400,
      LIBRARY.codeInvalid,
    );
    // Its first presentation spent it: a code is good for one attempt, whoever makes it.
    expect((await db.knex('oauth_authorization_codes').where({ id: code.id }).first()).consumed_at).not.toBeNull();
  });

  it('rejects a wrong redirect_uri with invalid_grant (RFC 6749 §5.2), even one registered for the client, and it uses up the code', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex, { redirect_uris: [CB, 'http://127.0.0.1:9999/other'] });
    expectOAuthError(
      await exchangeCode(app, issued, { redirect_uri: 'http://127.0.0.1:9999/other' }),
      400,
      OAUTH_ERRORS.redirectUriChanged().body,
    );
    expectOAuthError(await exchangeCode(app, issued, { redirect_uri: CB }), 400, LIBRARY.codeInvalid);
    expectOAuthError(
      await exchangeCode(app, await issueCode(db.knex), { redirect_uri: undefined }),
      400,
      OAUTH_ERRORS.missingTokenRedirectUri().body,
    );
  });

  it('rejects a missing PKCE verifier and a wrong one, and a wrong one uses up the code', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex);
    expectOAuthError(
      await exchangeCode(app, issued, { code_verifier: pkcePair().verifier }),
      400,
      LIBRARY.verifierInvalid,
    );
    expectOAuthError(await exchangeCode(app, issued), 400, LIBRARY.codeInvalid);
    expectOAuthError(
      await exchangeCode(app, await issueCode(db.knex), { code_verifier: undefined }),
      400,
      LIBRARY.verifierMissing,
    );
  });

  it('rejects a verifier for a code issued without a challenge (PKCE downgrade)', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex, {}, { code_challenge: null, code_challenge_method: null });
    expectOAuthError(
      await exchangeCode(app, issued, { code_verifier: pkcePair().verifier }),
      400,
      LIBRARY.verifierInvalid,
    );
  });
});

describe('round trips (#18)', () => {
  /** The statements `send` makes, counted with knex's 'query' event (named ones included). */
  async function statementsOf(send: () => Promise<request.Response>): Promise<{ statements: number; status: number }> {
    let statements = 0;
    const count = () => (statements += 1);
    db.knex.on('query', count);
    try {
      const res = await send();
      return { statements, status: res.status };
    } finally {
      db.knex.removeListener('query', count);
    }
  }

  it('a code exchange and a refresh are two statements each: client and grant read together, then one write', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex);
    let tokens: { refresh_token: string } | undefined;
    const exchanged = await statementsOf(async () => {
      const res = await exchange(app, codeExchangeFields(issued));
      tokens = res.body as { refresh_token: string };
      return res;
    });
    expect(exchanged).toEqual({ statements: 2, status: 200 });
    const refreshed = await statementsOf(() =>
      exchange(app, {
        grant_type: 'refresh_token',
        refresh_token: tokens!.refresh_token,
        client_id: issued.client.client_id,
        client_secret: issued.client.secret,
      }),
    );
    expect(refreshed).toEqual({ statements: 2, status: 200 });
  });
});

describe('client authentication', () => {
  it('rejects a confidential client without its secret, even with PKCE', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex);
    const { code } = issued;
    expectOAuthError(await exchangeCode(app, issued, { client_secret: undefined }), 401, LIBRARY.clientInvalid);
    expect((await db.knex('oauth_authorization_codes').where({ id: code.id }).first()).consumed_at).toBeNull();
  });

  it('rejects a wrong secret with 401 and a Basic challenge', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex);
    const res = await request(app)
      .post('/oauth/token')
      .auth(issued.client.client_id, 'sss_wrong')
      .type('form')
      .send(codeExchangeFields(issued, noBodyCredentials));
    expectOAuthError(res, 401, LIBRARY.clientInvalid);
  });

  it('rejects a public client that sends a secret', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex, { client_type: 'public' });
    expectOAuthError(await exchangeCode(app, issued, { client_secret: 'anything' }), 401, LIBRARY.clientInvalid);
  });

  it('rejects two authentication methods at once, and credentials in the query string', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex);
    const { client } = issued;
    const both = await request(app)
      .post('/oauth/token')
      .auth(client.client_id, client.secret!)
      .type('form')
      .send(codeExchangeFields(issued, { client_id: undefined }));
    expectOAuthError(both, 400, OAUTH_ERRORS.twoAuthMethods().body);
    const query = await request(app)
      .post(`/oauth/token?client_secret=${client.secret}`)
      .type('form')
      .send(codeExchangeFields(issued, { client_secret: undefined }));
    expectOAuthError(query, 400, OAUTH_ERRORS.credentialsInQuery().body);
  });

  it('rejects a body that is neither a form nor JSON, and malformed JSON, in OAuth JSON', async () => {
    const app = testApp(db.db);
    expectOAuthError(
      await request(app).post('/oauth/token').set('Content-Type', 'text/plain').send('grant_type=x'),
      400,
      OAUTH_ERRORS.unsupportedContentType().body,
    );
    expectOAuthError(
      await request(app).post('/oauth/token').set('Content-Type', 'application/json').send('{"grant_type":'),
      400,
      { error: 'invalid_request', error_description: 'The request body is not valid JSON.' }, // src/errors.ts, in OAuth's dialect
    );
  });

  it('answers unsupported_grant_type to every grant the server does not offer (RFC 6749 §5.2)', async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex);
    for (const grant_type of ['password', 'client_credentials', 'implicit', 'token', 'urn:example:nonsense']) {
      expectOAuthError(
        await exchange(app, {
          grant_type,
          username: 'a',
          password: 'b',
          client_id: client.client_id,
          client_secret: client.secret,
        }),
        400,
        OAUTH_ERRORS.unsupportedGrantType(grant_type).body,
      );
    }
  });
});

describe('the documented SeatShare GET form', () => {
  it('exchanges a code for a confidential client, with a Deprecation header', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex, {}, { code_challenge: null, code_challenge_method: null });
    const query = new URLSearchParams(codeExchangeFields(issued, { code_verifier: undefined }));
    const res = await request(app).get(`/oauth/token?${query.toString()}`).expect(200);
    expect(res.headers.deprecation).toBe('true');
    expect(res.body.token_type).toBe('bearer');
  });

  it('answers HEAD with 405 and spends nothing (Express would run the GET handler for it)', async () => {
    const app = testApp(db.db);
    const issued = await issueCode(db.knex, {}, { code_challenge: null, code_challenge_method: null });
    const query = new URLSearchParams(codeExchangeFields(issued, { code_verifier: undefined }));
    const head = await request(app).head(`/oauth/token?${query.toString()}`).expect(405);
    expect(head.headers.allow).toBe('GET, POST');
    expect(await db.knex('oauth_tokens').where({ authorization_code_id: issued.code.id }).first()).toBeUndefined();
    await request(app).get(`/oauth/token?${query.toString()}`).expect(200);
  });

  it('is refused without a client secret', async () => {
    const app = testApp(db.db);
    const query = new URLSearchParams(codeExchangeFields(await issueCode(db.knex, { client_type: 'public' })));
    expectOAuthError(
      await request(app).get(`/oauth/token?${query.toString()}`),
      400,
      OAUTH_ERRORS.getFormNeedsSecret().body,
    );
  });
});

describe('refresh_token grant', () => {
  it('rotates the refresh token; reuse of the old one revokes the whole family', async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex);
    const first = await buildToken(db.knex, { client_id: client.id });
    const refresh = (refresh_token: string) =>
      exchange(app, {
        grant_type: 'refresh_token',
        refresh_token,
        client_id: client.client_id,
        client_secret: client.secret,
      });

    const second = (await refresh(first.refresh_token).expect(200)).body;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const secondRow = await db
      .knex('oauth_tokens')
      .where({ access_token_hash: hashToken(second.access_token) })
      .first();
    expect(secondRow.family_id).toBe(first.family_id);

    expectOAuthError(await refresh(first.refresh_token), 400, LIBRARY.refreshInvalid); // reuse
    const family = await db.knex('oauth_tokens').where({ family_id: first.family_id });
    expect(family.every((row: { revoked_at: Date | null }) => row.revoked_at !== null)).toBe(true);
    expectOAuthError(await refresh(second.refresh_token), 400, LIBRARY.refreshInvalid);
    await request(app).get('/api/v1/users/me').set('Authorization', `Bearer ${second.access_token}`).expect(401);
  });

  it('lets a public client refresh with client_id alone, and a confidential one only with its secret', async () => {
    const app = testApp(db.db);
    const mobile = await buildClient(db.knex, { client_type: 'public' });
    const token = await buildToken(db.knex, { client_id: mobile.id });
    await exchange(app, {
      grant_type: 'refresh_token',
      refresh_token: token.refresh_token,
      client_id: mobile.client_id,
    }).expect(200);
    const server = await buildClient(db.knex);
    const other = await buildToken(db.knex, { client_id: server.id });
    expectOAuthError(
      await exchange(app, {
        grant_type: 'refresh_token',
        refresh_token: other.refresh_token,
        client_id: server.client_id,
      }),
      401,
      LIBRARY.clientInvalid,
    );
  });

  it("rejects another client's refresh token, and a wider scope", async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex);
    const token = await buildToken(db.knex, { client_id: client.id, scope: ['read'] });
    const other = await buildClient(db.knex);
    expectOAuthError(
      await exchange(app, {
        grant_type: 'refresh_token',
        refresh_token: token.refresh_token,
        client_id: other.client_id,
        client_secret: other.secret,
      }),
      400,
      LIBRARY.refreshOfAnotherClient,
    );
    expectOAuthError(
      await exchange(app, {
        grant_type: 'refresh_token',
        refresh_token: token.refresh_token,
        client_id: client.client_id,
        client_secret: client.secret,
        scope: 'read write',
      }),
      400,
      LIBRARY.extraScopes,
    );
  });

  it('rejects a revoked or expired refresh token', async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex);
    const revoked = await buildToken(db.knex, { client_id: client.id, revoked_at: new Date() });
    const expired = await buildToken(db.knex, {
      client_id: client.id,
      refresh_token_expires_at: new Date(Date.now() - 1000),
    });
    for (const [token, refusal] of [
      [revoked, LIBRARY.refreshInvalid],
      [expired, LIBRARY.refreshExpired],
    ] as const) {
      expectOAuthError(
        await exchange(app, {
          grant_type: 'refresh_token',
          refresh_token: token.refresh_token,
          client_id: client.client_id,
          client_secret: client.secret,
        }),
        400,
        refusal,
      );
    }
  });
});
