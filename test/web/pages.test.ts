// The pages of SPEC §2: sign-up, login, logout, developer applications, account pages.
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp, testConfig } from '../helpers/app';
import { browser, csrfFrom } from '../helpers/browser';
import { buildClient, buildConsent, buildPersonalToken, buildToken, buildUser, FACTORY_PASSWORD } from '../factories';
import { hashToken } from '../../src/security/tokens';
import { verifyPassword } from '../../src/security/passwords';

const db = useTestDatabase();

describe('sign-up', () => {
  it('creates an unverified account with an argon2id hash and asks the person to check their mail', async () => {
    const b = browser(testApp(db.db));
    const res = await b.submit('/signup', '/signup', {
      email: 'New@Example.com',
      password: 'a long password',
      first_name: 'New',
      last_name: 'User',
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Check your email');
    expect(res.text).toContain('New@Example.com');
    const user = await db.knex('users').whereRaw('lower(email) = ?', ['new@example.com']).first();
    expect(await verifyPassword(user.password_hash, 'a long password')).toBe(true);
    expect(user.email_verified_at).toBeNull();
    // Not signed in by sign-up (a taken address must look the same): the person logs in.
    expect((await b.agent.get('/account/authorizations')).status).toBe(303);
    expect((await b.login('new@example.com', 'a long password')).status).toBe(303);
    const page = await b.agent.get('/account/authorizations').expect(200);
    expect(page.text).toContain('New@Example.com');
  });

  it('shows field errors and keeps what was typed (but not the password), and never that an address is taken', async () => {
    await buildUser(db.knex, { email: 'taken@example.com' });
    const b = browser(testApp(db.db));
    const res = await b.submit('/signup', '/signup', {
      email: 'TAKEN@example.com',
      password: 'short',
      first_name: '',
      last_name: 'Lee',
    });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('already taken');
    expect(res.text).toContain('must be at least 8 characters');
    expect(res.text).toContain('must not be blank');
    expect(res.text).toContain('value="Lee"');
    expect(res.text).not.toContain('value="short"');
  });

  it('labels every input', async () => {
    const page = await request(testApp(db.db)).get('/signup').expect(200);
    const ids = [...page.text.matchAll(/<input id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(3);
    for (const id of ids) expect(page.text).toContain(`<label for="${id}"`);
  });
});

describe('login and logout', () => {
  it('logs in with the email in any case and sets a HttpOnly, SameSite=Lax session cookie', async () => {
    const user = await buildUser(db.knex, { email: 'ann@example.com' });
    const b = browser(testApp(db.db));
    const res = await b.login('ANN@example.com');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/authorizations');
    const cookie = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('seatshare.sid='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    expect(await db.knex('sessions').where({ user_id: user.id }).first()).toBeDefined();
  });

  describe('in production', () => {
    const production = () =>
      testApp(db.db, {
        config: testConfig({
          NODE_ENV: 'production',
          SESSION_SECRET: 's'.repeat(40),
          LOG_LEVEL: 'silent',
          TRUST_PROXY: 'loopback',
          BASE_URL: 'https://seats.example.com',
        }),
      });

    it('sets Secure cookies and HSTS behind a trusted TLS proxy', async () => {
      const page = await request(production()).get('/login').set('X-Forwarded-Proto', 'https').expect(200);
      const cookie = [page.headers['set-cookie']].flat().find((c) => c?.startsWith('seatshare.sid='));
      expect(cookie).toMatch(/Secure/);
      expect(page.headers['strict-transport-security']).toMatch(/max-age=/);
    });

    it('redirects pages to https on the configured host and refuses the API over http', async () => {
      const page = await request(production()).get('/login?x=1').set('Host', 'evil.example').expect(301);
      expect(page.headers.location).toBe('https://seats.example.com/login?x=1');
      const api = await request(production()).get('/api/v1/users/me').expect(403);
      expect(api.body).toEqual({ error: 'Forbidden', error_detail: 'HTTPS is required.', code: 403 });
      await request(production()).get('/healthz').expect(200);
    });
  });

  it('gives one generic message for a wrong password and for an unknown email', async () => {
    await buildUser(db.knex, { email: 'ann@example.com' });
    const b = browser(testApp(db.db));
    for (const [email, password] of [
      ['ann@example.com', 'wrong'],
      ['nobody@example.com', FACTORY_PASSWORD],
    ]) {
      const res = await b.login(email!, password);
      expect(res.status).toBe(401);
      expect(res.text).toContain('Email or password is incorrect.');
    }
  });

  it('refuses a missing password and a repeated email field with the same message, never a 5xx', async () => {
    const user = await buildUser(db.knex, { email: 'ann@example.com' });
    const b = browser(testApp(db.db));
    const missing = await b.submit('/login', '/login', { email: user.email });
    expect(missing.status).toBe(401);
    expect(missing.text).toContain('Email or password is incorrect.');
    // Written out: a form serializer would name the copies email[0], email[1].
    const form = csrfFrom((await b.agent.get('/login')).text);
    const repeated = await b.agent
      .post('/login')
      .type('form')
      .send(
        new URLSearchParams([
          ['_csrf', form],
          ['email', user.email],
          ['email', user.email],
          ['password', FACTORY_PASSWORD],
        ]).toString(),
      );
    expect(repeated.status).toBe(401);
    expect(repeated.text).toContain('Email or password is incorrect.');
    expect(await db.knex('sessions').whereNotNull('user_id').first()).toBeUndefined();
  });

  it("lets the login form's redirect chain end at an app's registered redirect URI, and at no other", async () => {
    const client = await buildClient(db.knex, { redirect_uris: ['https://planner.example/cb'] });
    const formAction = async (returnTo: string) => {
      const page = await request(testApp(db.db))
        .get(`/login?return_to=${encodeURIComponent(returnTo)}`)
        .expect(200);
      return /form-action ([^;]*)/.exec(String(page.headers['content-security-policy']))?.[1];
    };
    const authorize = (redirectUri: string) =>
      `/oauth/authorize?response_type=code&client_id=${client.client_id}&redirect_uri=${encodeURIComponent(redirectUri)}`;
    expect(await formAction(authorize('https://planner.example/cb'))).toBe("'self' https://planner.example");
    expect(await formAction(authorize('https://evil.example/cb'))).toBe("'self'");
    expect(await formAction('/oauth/authorize?client_id=unknown&redirect_uri=https%3A%2F%2Fevil.example%2F')).toBe(
      "'self'",
    );
    expect(await formAction('/developer/applications?redirect_uri=https%3A%2F%2Fplanner.example%2Fcb')).toBe("'self'");
  });

  it('refuses a login POST without the CSRF token', async () => {
    const user = await buildUser(db.knex);
    const b = browser(testApp(db.db));
    await b.agent.get('/login');
    const res = await b.agent
      .post('/login')
      .type('form')
      .send({ email: user.email, password: FACTORY_PASSWORD })
      .expect(403);
    expect(res.text).toContain('This form has expired');
  });

  it.each(['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)'])(
    'never redirects off-site after login (return_to=%s)',
    async (returnTo) => {
      const user = await buildUser(db.knex);
      const b = browser(testApp(db.db));
      const page = await b.agent.get('/login');
      const res = await b.agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), email: user.email, password: FACTORY_PASSWORD, return_to: returnTo });
      expect(res.headers.location).toBe('/account/authorizations');
    },
  );

  it('logs out on POST (with CSRF) and ends the session', async () => {
    const user = await buildUser(db.knex);
    const b = browser(testApp(db.db));
    await b.login(user.email);
    const res = await b.submit('/account/tokens', '/logout', {});
    expect(res.status).toBe(303);
    expect(await db.knex('sessions').where({ user_id: user.id }).first()).toBeUndefined();
    await b.agent.get('/account/tokens').expect(303);
  });
});

describe('/developer/applications', () => {
  it('needs a login', async () => {
    const res = await request(testApp(db.db)).get('/developer/applications').expect(303);
    expect(res.headers.location).toBe('/login?return_to=%2Fdeveloper%2Fapplications');
  });

  it('registers a confidential client with several redirect URIs; the secret is shown once and stored hashed', async () => {
    const user = await buildUser(db.knex);
    const b = browser(testApp(db.db));
    await b.login(user.email);
    const res = await b.submit('/developer/applications/new', '/developer/applications', {
      name: 'Seat Planner',
      redirect_uris: 'https://planner.example.com/cb\r\nhttp://127.0.0.1:8080/cb',
      client_type: 'confidential',
    });
    expect(res.status).toBe(200);
    const secret = /id="client-secret">([^<]+)</.exec(res.text)?.[1];
    const clientId = /id="client-id">([^<]+)</.exec(res.text)?.[1];
    const row = await db.knex('oauth_clients').where({ client_id: clientId }).first();
    expect(row).toMatchObject({
      owner_id: user.id,
      name: 'Seat Planner',
      client_type: 'confidential',
      redirect_uris: ['https://planner.example.com/cb', 'http://127.0.0.1:8080/cb'],
    });
    expect(row.secret_hash).toBe(hashToken(secret!));
    const list = await b.agent.get('/developer/applications').expect(200);
    expect(list.text).toContain('Seat Planner');
    expect(list.text).not.toContain(secret);
  });

  it('registers a public client without a secret', async () => {
    const user = await buildUser(db.knex);
    const b = browser(testApp(db.db));
    await b.login(user.email);
    const res = await b.submit('/developer/applications/new', '/developer/applications', {
      name: 'Mobile',
      redirect_uris: 'com.example.app:/cb',
      client_type: 'public',
    });
    expect(res.text).toContain('must use PKCE');
    expect(await db.knex('oauth_clients').where({ owner_id: user.id }).first()).toMatchObject({
      client_type: 'public',
      secret_hash: null,
    });
  });

  it('refuses invalid redirect URIs with the line named', async () => {
    const user = await buildUser(db.knex);
    const b = browser(testApp(db.db));
    await b.login(user.email);
    const res = await b.submit('/developer/applications/new', '/developer/applications', {
      name: 'X',
      redirect_uris: 'https://ok.example/cb\nhttp://evil.example/cb',
      client_type: 'confidential',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('line 2: must use https');
    expect(await db.knex('oauth_clients').count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  it('edits, rotates the secret of, and deletes your own client; another user gets 404', async () => {
    const owner = await buildUser(db.knex);
    const client = await buildClient(db.knex, { owner_id: owner.id });
    const b = browser(testApp(db.db));
    await b.login(owner.email);
    const path = `/developer/applications/${client.id}`;
    await b
      .submit(path, path, { name: 'Renamed', redirect_uris: 'https://new.example/cb' })
      .then((r) => expect(r.status).toBe(303));
    expect(await db.knex('oauth_clients').where({ id: client.id }).first()).toMatchObject({
      name: 'Renamed',
      redirect_uris: ['https://new.example/cb'],
    });

    const rotated = await b.submit(path, `${path}/rotate-secret`, {});
    const secret = /id="client-secret">([^<]+)</.exec(rotated.text)?.[1];
    expect((await db.knex('oauth_clients').where({ id: client.id }).first()).secret_hash).toBe(hashToken(secret!));

    const stranger = browser(testApp(db.db));
    await stranger.login((await buildUser(db.knex)).email);
    await stranger.agent.get(path).expect(404);
    await stranger.agent.get('/developer/applications/not-a-uuid').expect(404);

    await b.submit(path, `${path}/delete`, {}).then((r) => expect(r.status).toBe(303));
    expect(await db.knex('oauth_clients').where({ id: client.id }).first()).toBeUndefined();
  });
});

describe('/account/authorizations', () => {
  it('lists authorized apps, and revoking one deletes the consent and revokes its tokens for you only', async () => {
    const user = await buildUser(db.knex);
    const client = await buildClient(db.knex, { name: 'Seat Planner' });
    await buildConsent(db.knex, { user_id: user.id, client_id: client.id, scope: ['read'] });
    const mine = await buildToken(db.knex, { user_id: user.id, client_id: client.id });
    const someoneElses = await buildToken(db.knex, { client_id: client.id });
    const b = browser(testApp(db.db));
    await b.login(user.email);
    const page = await b.agent.get('/account/authorizations').expect(200);
    expect(page.text).toContain('Seat Planner');
    await b
      .submit('/account/authorizations', `/account/authorizations/${client.client_id}/revoke`, {})
      .then((r) => expect(r.status).toBe(303));
    expect(await db.knex('oauth_consents').where({ user_id: user.id }).first()).toBeUndefined();
    expect((await db.knex('oauth_tokens').where({ id: mine.id }).first()).revoked_at).not.toBeNull();
    expect((await db.knex('oauth_tokens').where({ id: someoneElses.id }).first()).revoked_at).toBeNull();
  });
});

describe('/account/tokens', () => {
  it('creates a token shown once, lists it with its last use, and revokes it', async () => {
    const user = await buildUser(db.knex);
    const app = testApp(db.db);
    const b = browser(app);
    await b.login(user.email);
    const created = await b.submit('/account/tokens', '/account/tokens', { name: 'Laptop script', scope: ['read'] });
    const token = /id="new-token">([^<]+)</.exec(created.text)?.[1];
    expect(token).toMatch(/^ssp_/);
    const row = await db.knex('personal_tokens').where({ user_id: user.id }).first();
    expect(row).toMatchObject({ name: 'Laptop script', scope: ['read'], token_hash: hashToken(token!) });
    await request(app).get('/api/v1/users/me').set('Authorization', `Token ${token}`).expect(200);
    const list = await b.agent.get('/account/tokens').expect(200);
    expect(list.text).not.toContain(token);
    expect(list.text).not.toContain('never');
    await b.submit('/account/tokens', `/account/tokens/${row.id}/revoke`, {}).then((r) => expect(r.status).toBe(303));
    await request(app).get('/api/v1/users/me').set('Authorization', `Token ${token}`).expect(401);
  });

  it("cannot revoke someone else's token", async () => {
    const other = await buildPersonalToken(db.knex);
    const b = browser(testApp(db.db));
    await b.login((await buildUser(db.knex)).email);
    await b.submit('/account/tokens', `/account/tokens/${other.id}/revoke`, {}).then((r) => expect(r.status).toBe(404));
    expect(await db.knex('personal_tokens').where({ id: other.id }).first()).toBeDefined();
  });
});
