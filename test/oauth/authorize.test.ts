// The authorization endpoint, as the RFC checklist (../shared/notes/oauth-library.md §3).
import { useTestDatabase } from '../helpers/db';
import { testApp } from '../helpers/app';
import { browser, csrfFrom, hiddenFields, redirectParams } from '../helpers/browser';
import { buildClient, buildConsent, buildUser } from '../factories';
import { authorizeUrl, authorizeWorld, baseParams, CB, ISSUER } from './authorize-helpers';

const db = useTestDatabase();
const world = (clientOverrides = {}) => authorizeWorld(db, clientOverrides);

describe('client and redirect_uri: an error page, never a redirect', () => {
  it('shows a 400 page for an unknown client, before any login', async () => {
    const app = testApp(db.db);
    const res = await browser(app)
      .agent.get(authorizeUrl(baseParams('nope')))
      .expect(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('not registered with SeatShare');
  });

  it('shows a 400 page for a redirect_uri that is not registered, even one differing only by a slash', async () => {
    const { client, b } = await world();
    for (const uri of [
      'http://127.0.0.1:9999/cb/',
      'http://127.0.0.1:9999/cb?x=1',
      'https://evil.example/cb',
      'http://127.0.0.1:9999/CB',
    ]) {
      const res = await b.agent.get(authorizeUrl(baseParams(client.client_id, { redirect_uri: uri }))).expect(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.text).toContain('not registered for the application');
    }
  });

  it('needs redirect_uri when the client registered several, and accepts its omission when there is one', async () => {
    const several = await world({ redirect_uris: [CB, 'https://app.example.com/cb'] });
    const res = await several.b.agent
      .get(authorizeUrl(baseParams(several.client.client_id, { redirect_uri: undefined })))
      .expect(400);
    expect(res.text).toContain('has registered several');
    const one = await buildClient(db.knex);
    const ok = await several.b.agent
      .get(authorizeUrl(baseParams(one.client_id, { redirect_uri: undefined })))
      .expect(200);
    expect(ok.text).toContain('Approve');
  });

  it('serves the same endpoint at /oauth/authorization', async () => {
    const { client, b } = await world();
    const res = await b.agent.get(authorizeUrl(baseParams(client.client_id), '/oauth/authorization')).expect(200);
    expect(res.text).toContain(`Authorize ${client.name}`);
  });
});

describe('login', () => {
  it('sends a signed-out user to /login and back to the same request', async () => {
    const app = testApp(db.db);
    const user = await buildUser(db.knex);
    const client = await buildClient(db.knex);
    const b = browser(app);
    const url = authorizeUrl(baseParams(client.client_id));
    const res = await b.agent.get(url).expect(303);
    expect(res.headers.location).toBe(`/login?return_to=${encodeURIComponent(url)}`);
    const loginPage = await b.agent.get(res.headers.location as string).expect(200);
    const loggedIn = await b.agent
      .post('/login')
      .type('form')
      .send({
        _csrf: csrfFrom(loginPage.text),
        email: user.email,
        password: 'correct horse battery staple',
        return_to: url,
      });
    expect(loggedIn.status).toBe(303);
    expect(loggedIn.headers.location).toBe(url);
  });
});

describe('errors after the client is known: redirected with error, state and iss (an operator app: trusted)', () => {
  it.each([
    ['response_type=token (implicit)', { response_type: 'token' }, 'unsupported_response_type'],
    ['a missing response_type', { response_type: undefined }, 'invalid_request'],
    ['an unknown scope', { scope: 'admin' }, 'invalid_scope'],
    ['plain PKCE', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['a malformed code_challenge', { code_challenge: 'short' }, 'invalid_request'],
  ])('refuses %s', async (_name, extra, error) => {
    const { client, b } = await world();
    const res = await b.agent.get(authorizeUrl(baseParams(client.client_id, extra))).expect(302);
    expect(res.headers.location?.startsWith(`${CB}?`)).toBe(true);
    expect(redirectParams(res.headers.location)).toMatchObject({
      error,
      state: 'st-123',
      iss: ISSUER,
      error_description: expect.any(String),
    });
  });

  it('refuses a public client without PKCE', async () => {
    const { client, b } = await world({ client_type: 'public' });
    const res = await b.agent
      .get(authorizeUrl(baseParams(client.client_id, { code_challenge: undefined, code_challenge_method: undefined })))
      .expect(302);
    expect(redirectParams(res.headers.location)).toMatchObject({
      error: 'invalid_request',
      state: 'st-123',
      iss: ISSUER,
    });
  });

  it('keeps the query of a registered redirect_uri when adding the error', async () => {
    const uri = 'https://app.example.com/cb?tenant=7';
    const { client, b } = await world({ redirect_uris: [uri] });
    const res = await b.agent
      .get(authorizeUrl(baseParams(client.client_id, { redirect_uri: uri, scope: 'admin' })))
      .expect(302);
    expect(redirectParams(res.headers.location)).toMatchObject({
      tenant: '7',
      error: 'invalid_scope',
      state: 'st-123',
      iss: ISSUER,
    });
  });
});

describe('consent', () => {
  it('shows the app, who registered it and the scopes in words, with no-store and no framing', async () => {
    const developer = await buildUser(db.knex, { first_name: 'Dev', last_name: 'Eloper' });
    const { client, b } = await world({ owner_id: developer.id, name: 'Seat Planner' });
    const res = await b.agent.get(authorizeUrl(baseParams(client.client_id, { scope: 'read' }))).expect(200);
    expect(res.text).toContain('Seat Planner');
    expect(res.text).toContain('registered by Dev Eloper');
    expect(res.text).toContain('See your profile');
    expect(res.text).not.toContain('Change your profile');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).toContain("form-action 'self' http://127.0.0.1:9999");
  });

  it('approve → code, state and iss; the consent is stored', async () => {
    const { client, user, b } = await world();
    const page = await b.agent.get(authorizeUrl(baseParams(client.client_id))).expect(200);
    const res = await b.agent
      .post('/oauth/authorize')
      .type('form')
      .send({ ...hiddenFields(page.text), decision: 'approve' })
      .expect(302);
    expect(redirectParams(res.headers.location)).toEqual({
      code: expect.stringMatching(/^ssc_/),
      state: 'st-123',
      iss: ISSUER,
    });
    expect(await db.knex('oauth_consents').where({ user_id: user.id, client_id: client.id }).first()).toMatchObject({
      scope: ['read', 'write'],
    });
  });

  it('deny → access_denied with state and iss, and nothing stored', async () => {
    const { client, b } = await world();
    const page = await b.agent.get(authorizeUrl(baseParams(client.client_id))).expect(200);
    const res = await b.agent
      .post('/oauth/authorize')
      .type('form')
      .send({ ...hiddenFields(page.text), decision: 'deny' })
      .expect(302);
    expect(redirectParams(res.headers.location)).toMatchObject({
      error: 'access_denied',
      state: 'st-123',
      iss: ISSUER,
    });
    expect(await db.knex('oauth_consents').count({ n: '*' }).first()).toEqual({ n: 0 });
    expect(await db.knex('oauth_authorization_codes').count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  it('refuses a consent POST without the CSRF token', async () => {
    const { client, b } = await world();
    const page = await b.agent.get(authorizeUrl(baseParams(client.client_id))).expect(200);
    const { _csrf, ...fields } = hiddenFields(page.text);
    expect(_csrf).toBeDefined();
    const res = await b.agent
      .post('/oauth/authorize')
      .type('form')
      .send({ ...fields, decision: 'approve' })
      .expect(403);
    expect(res.headers.location).toBeUndefined();
    expect(await db.knex('oauth_authorization_codes').count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  it('is remembered: a granted client is not asked again for the same or fewer scopes', async () => {
    const { client, user, b } = await world();
    await buildConsent(db.knex, { user_id: user.id, client_id: client.id, scope: ['read', 'write'] });
    const res = await b.agent.get(authorizeUrl(baseParams(client.client_id, { scope: 'read' }))).expect(302);
    expect(redirectParams(res.headers.location)).toEqual({ code: expect.any(String), state: 'st-123', iss: ISSUER });
  });

  it('is asked again for wider scopes than were granted', async () => {
    const { client, user, b } = await world();
    await buildConsent(db.knex, { user_id: user.id, client_id: client.id, scope: ['read'] });
    const res = await b.agent.get(authorizeUrl(baseParams(client.client_id, { scope: 'read write' }))).expect(200);
    expect(res.text).toContain('Approve');
  });

  it('makes no code on GET without an explicit approval', async () => {
    const { client, b } = await world();
    await b.agent.get(authorizeUrl(baseParams(client.client_id))).expect(200);
    expect(await db.knex('oauth_authorization_codes').count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  it('sends no state when none was given (state is optional)', async () => {
    const { client, b } = await world();
    const page = await b.agent.get(authorizeUrl(baseParams(client.client_id, { state: undefined }))).expect(200);
    const res = await b.agent
      .post('/oauth/authorize')
      .type('form')
      .send({ ...hiddenFields(page.text), decision: 'approve' })
      .expect(302);
    expect(Object.keys(redirectParams(res.headers.location)).sort()).toEqual(['code', 'iss']);
  });
});
