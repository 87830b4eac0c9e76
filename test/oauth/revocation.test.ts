// Revocation (RFC 7009), introspection (RFC 7662) and metadata (RFC 8414).
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp } from '../helpers/app';
import { buildClient, buildToken } from '../factories';
import { OAUTH_ERRORS } from '../../src/oauth/protocol';

const db = useTestDatabase();

describe('POST /oauth/revoke', () => {
  it('revokes an access token of the calling client: 200 with {}', async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex);
    const token = await buildToken(db.knex, { client_id: client.id });
    await request(app).get('/api/v1/users/me').set('Authorization', `Bearer ${token.access_token}`).expect(200);
    const res = await request(app)
      .post('/oauth/revoke')
      .auth(client.client_id, client.secret!)
      .type('form')
      .send({ token: token.access_token })
      .expect(200);
    expect(res.body).toEqual({});
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    await request(app).get('/api/v1/users/me').set('Authorization', `Bearer ${token.access_token}`).expect(401);
  });

  it('revoking a refresh token revokes its whole family', async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex, { client_type: 'public' });
    const first = await buildToken(db.knex, { client_id: client.id });
    const sibling = await buildToken(db.knex, { client_id: client.id, family_id: first.family_id });
    await request(app)
      .post('/oauth/revoke')
      .type('form')
      .send({ token: first.refresh_token, token_type_hint: 'refresh_token', client_id: client.client_id })
      .expect(200);
    expect((await db.knex('oauth_tokens').where({ id: sibling.id }).first()).revoked_at).not.toBeNull();
  });

  it('finds a token whatever token_type_hint says', async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex);
    const token = await buildToken(db.knex, { client_id: client.id });
    await request(app)
      .post('/oauth/revoke')
      .auth(client.client_id, client.secret!)
      .type('form')
      .send({ token: token.refresh_token, token_type_hint: 'access_token' })
      .expect(200);
    expect((await db.knex('oauth_tokens').where({ id: token.id }).first()).revoked_at).not.toBeNull();
  });

  it("answers 200 for unknown tokens and for another client's, without revoking the latter", async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex);
    const others = await buildToken(db.knex);
    await request(app)
      .post('/oauth/revoke')
      .auth(client.client_id, client.secret!)
      .type('form')
      .send({ token: 'ssa_unknown' })
      .expect(200, {});
    await request(app)
      .post('/oauth/revoke')
      .auth(client.client_id, client.secret!)
      .type('form')
      .send({ token: others.access_token })
      .expect(200, {});
    expect((await db.knex('oauth_tokens').where({ id: others.id }).first()).revoked_at).toBeNull();
  });

  it('requires client authentication (401 with a challenge) and a token (400)', async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex);
    const unauthenticated = await request(app).post('/oauth/revoke').type('form').send({ token: 'x' }).expect(401);
    expect(unauthenticated.body).toEqual(OAUTH_ERRORS.clientAuthRequired().body);
    expect(unauthenticated.headers['www-authenticate']).toBe('Basic realm="seatshare"');
    await request(app)
      .post('/oauth/revoke')
      .auth(client.client_id, 'wrong')
      .type('form')
      .send({ token: 'x' })
      .expect(401, OAUTH_ERRORS.invalidClientAuth('').body);
    const missing = await request(app)
      .post('/oauth/revoke')
      .auth(client.client_id, client.secret!)
      .type('form')
      .send({})
      .expect(400);
    expect(missing.body).toEqual(OAUTH_ERRORS.missingToken().body);
  });
});

describe('POST /oauth/introspect', () => {
  it('describes an active access token of the calling client', async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex);
    const token = await buildToken(db.knex, { client_id: client.id, scope: ['read'] });
    const res = await request(app)
      .post('/oauth/introspect')
      .auth(client.client_id, client.secret!)
      .type('form')
      .send({ token: token.access_token })
      .expect(200);
    expect(res.body).toEqual({
      active: true,
      scope: 'read',
      client_id: client.client_id,
      username: expect.stringContaining('@example.com'),
      sub: token.user_id,
      token_type: 'bearer',
      exp: expect.any(Number),
      iat: expect.any(Number),
      iss: 'http://seatshare.test',
    });
  });

  it('says only {"active": false} for revoked, expired, unknown and other clients\' tokens', async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex);
    const revoked = await buildToken(db.knex, { client_id: client.id, revoked_at: new Date() });
    const expired = await buildToken(db.knex, {
      client_id: client.id,
      access_token_expires_at: new Date(Date.now() - 1000),
    });
    const others = await buildToken(db.knex);
    for (const token of [revoked.access_token, expired.access_token, 'ssa_unknown', others.access_token]) {
      const res = await request(app)
        .post('/oauth/introspect')
        .auth(client.client_id, client.secret!)
        .type('form')
        .send({ token })
        .expect(200);
      expect(res.body).toEqual({ active: false });
    }
  });

  it('introspects refresh tokens, inactive once rotated', async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex);
    const token = await buildToken(db.knex, { client_id: client.id });
    const active = await request(app)
      .post('/oauth/introspect')
      .auth(client.client_id, client.secret!)
      .type('form')
      .send({ token: token.refresh_token })
      .expect(200);
    expect(active.body).toMatchObject({ active: true, token_type: 'refresh_token' });
    await db.knex('oauth_tokens').where({ id: token.id }).update({ refresh_used_at: new Date() });
    const spent = await request(app)
      .post('/oauth/introspect')
      .auth(client.client_id, client.secret!)
      .type('form')
      .send({ token: token.refresh_token })
      .expect(200);
    expect(spent.body).toEqual({ active: false });
  });

  it('refuses public clients and unauthenticated callers', async () => {
    const app = testApp(db.db);
    const mobile = await buildClient(db.knex, { client_type: 'public' });
    await request(app)
      .post('/oauth/introspect')
      .type('form')
      .send({ token: 'x', client_id: mobile.client_id })
      .expect(401);
    await request(app).post('/oauth/introspect').type('form').send({ token: 'x' }).expect(401);
    // An unknown client_id, even naming a real token: 401, and nothing about the token.
    const token = await buildToken(db.knex);
    const unknown = await request(app)
      .post('/oauth/introspect')
      .auth('no-such-client', 'secret')
      .type('form')
      .send({ token: token.access_token })
      .expect(401);
    expect(unknown.body).toEqual(OAUTH_ERRORS.invalidClientAuth('').body);
    expect(unknown.body).not.toHaveProperty('active');
  });
});

describe('GET /.well-known/oauth-authorization-server', () => {
  it('publishes the issuer exactly as BASE_URL and every endpoint', async () => {
    const res = await request(testApp(db.db)).get('/.well-known/oauth-authorization-server').expect(200);
    expect(res.body).toMatchObject({
      issuer: 'http://seatshare.test',
      authorization_endpoint: 'http://seatshare.test/oauth/authorize',
      token_endpoint: 'http://seatshare.test/oauth/token',
      revocation_endpoint: 'http://seatshare.test/oauth/revoke',
      introspection_endpoint: 'http://seatshare.test/oauth/introspect',
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      scopes_supported: ['read', 'write'],
      authorization_response_iss_parameter_supported: true,
    });
  });
});
