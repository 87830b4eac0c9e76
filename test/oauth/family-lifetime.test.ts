// SPEC §3: a refresh family has an absolute lifetime (REFRESH_FAMILY_MAX_DAYS, default 90), and
// revoking an app at /account/authorizations also spends its codes not yet redeemed.
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp, testConfig } from '../helpers/app';
import { browser, pkcePair } from '../helpers/browser';
import { buildAuthorizationCode, buildClient, buildConsent, buildToken, buildUser } from '../factories';
import { hashToken } from '../../src/security/tokens';
import { issueCode, LIBRARY_REFUSALS as LIBRARY } from './token-helpers';
import * as familyLifetime from '../../migrations/20261130000100_refresh_family_lifetime';

const db = useTestDatabase();
const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

type App = ReturnType<typeof testApp>;
type Client = Awaited<ReturnType<typeof buildClient>>;

const refresh = (app: App, client: Client, refresh_token: string) =>
  request(app)
    .post('/oauth/token')
    .type('form')
    .send({ grant_type: 'refresh_token', refresh_token, client_id: client.client_id, client_secret: client.secret! });
const rowOf = (refreshToken: string) =>
  db
    .knex('oauth_tokens')
    .where({ refresh_token_hash: hashToken(refreshToken) })
    .first();

describe('the absolute lifetime of a refresh family', () => {
  it("refreshes at day 89 with a refresh token that expires at the family's end at the latest", async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex);
    const started = daysAgo(89);
    const token = await buildToken(db.knex, {
      client_id: client.id,
      family_started_at: started,
      created_at: daysAgo(10),
    });
    const res = await refresh(app, client, token.refresh_token).expect(200);
    const successor = await rowOf(res.body.refresh_token);
    expect(successor.family_id).toBe(token.family_id);
    expect(successor.family_started_at).toEqual(started);
    expect(successor.refresh_token_expires_at.getTime()).toBe(started.getTime() + 90 * DAY); // not 30 days from now
    const introspection = await request(app)
      .post('/oauth/introspect')
      .auth(client.client_id, client.secret!)
      .type('form')
      .send({ token: res.body.refresh_token });
    expect(introspection.body).toMatchObject({ active: true, exp: Math.floor((started.getTime() + 90 * DAY) / 1000) });
  });

  it("refuses to refresh past it (day 91) with invalid_grant, whatever the refresh token's own expiry", async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex);
    // A token rotated at day 80 before families had an end: its own expiry is 20 days away.
    const token = await buildToken(db.knex, {
      client_id: client.id,
      family_started_at: daysAgo(91),
      refresh_token_expires_at: new Date(Date.now() + 19 * DAY),
    });
    const res = await refresh(app, client, token.refresh_token).expect(400);
    expect(res.body).toEqual(LIBRARY.refreshExpired); // the family's end, read as the token's expiry
    expect((await rowOf(token.refresh_token)).refresh_used_at).toBeNull(); // refused, not spent
    const introspection = await request(app)
      .post('/oauth/introspect')
      .auth(client.client_id, client.secret!)
      .type('form')
      .send({ token: token.refresh_token });
    expect(introspection.body).toEqual({ active: false });
  });

  it('starts a family at the code exchange and follows REFRESH_FAMILY_MAX_DAYS', async () => {
    const app = testApp(db.db, { config: testConfig({ REFRESH_FAMILY_MAX_DAYS: '7' }) });
    const { client, pkce, code } = await issueCode(db.knex);
    const before = Date.now();
    const res = await request(app)
      .post('/oauth/token')
      .auth(client.client_id, client.secret!)
      .type('form')
      .send({
        grant_type: 'authorization_code',
        code: code.code,
        redirect_uri: 'http://127.0.0.1:9999/cb',
        code_verifier: pkce.verifier,
      })
      .expect(200);
    const row = await rowOf(res.body.refresh_token);
    expect(row.family_started_at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(row.refresh_token_expires_at.getTime()).toBe(row.family_started_at.getTime() + 7 * DAY);
    await db
      .knex('oauth_tokens')
      .where({ id: row.id })
      .update({ family_started_at: daysAgo(8) });
    expect((await refresh(app, client, res.body.refresh_token).expect(400)).body).toEqual(LIBRARY.refreshExpired);
  });

  it('dates existing families from their earliest row (the migration)', async () => {
    await familyLifetime.down(db.knex);
    const old = await buildToken(db.knex, { created_at: daysAgo(40) });
    const rotated = await buildToken(db.knex, {
      family_id: old.family_id,
      client_id: old.client_id,
      user_id: old.user_id,
      created_at: daysAgo(10),
    });
    const alone = await buildToken(db.knex, { created_at: daysAgo(3) });
    await familyLifetime.up(db.knex);
    const startedAt = async (id: string) =>
      (await db.knex('oauth_tokens').where({ id }).first('family_started_at')).family_started_at;
    expect(await startedAt(old.id)).toEqual(old.created_at);
    expect(await startedAt(rotated.id)).toEqual(old.created_at);
    expect(await startedAt(alone.id)).toEqual(alone.created_at);
  });
});

describe('revoking an app', () => {
  it('spends its codes not yet redeemed: a later exchange is invalid_grant', async () => {
    const app = testApp(db.db);
    const user = await buildUser(db.knex);
    const client = await buildClient(db.knex);
    await buildConsent(db.knex, { user_id: user.id, client_id: client.id });
    const token = await buildToken(db.knex, { user_id: user.id, client_id: client.id });
    const pkce = pkcePair();
    const code = await buildAuthorizationCode(db.knex, {
      user_id: user.id,
      client_id: client.id,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    const othersCode = await buildAuthorizationCode(db.knex, { client_id: client.id });

    const b = browser(app);
    await b.login(user.email);
    const revoked = await b.submit('/account/authorizations', `/account/authorizations/${client.client_id}/revoke`, {});
    expect(revoked.status).toBe(303);

    const res = await request(app).post('/oauth/token').auth(client.client_id, client.secret!).type('form').send({
      grant_type: 'authorization_code',
      code: code.code,
      redirect_uri: 'http://127.0.0.1:9999/cb',
      code_verifier: pkce.verifier,
    });
    expect({ status: res.status, body: res.body as unknown }).toEqual({ status: 400, body: LIBRARY.codeInvalid }); // spent by the revocation
    expect((await db.knex('oauth_tokens').where({ id: token.id }).first()).revoked_at).not.toBeNull();
    expect((await db.knex('oauth_authorization_codes').where({ id: othersCode.id }).first()).consumed_at).toBeNull(); // another user's
  });
});
