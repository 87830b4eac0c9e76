// Finding #12 of issue #14, the authorization endpoint and registration: a registered loopback
// redirect URI (http://127.0.0.1/…, http://[::1]/…) matches the same URI on any port, because a
// native app receives the redirect on an ephemeral port (RFC 8252 §7.3); everything else is an
// exact match. New registrations of http://localhost are refused (RFC 8252 §8.3).
import request from 'supertest';
import { runCli } from '../../src/cli';
import { LOCALHOST_REFUSED } from '../../src/oauth/clients';
import { useTestDatabase } from '../helpers/db';
import { hiddenFields, pkcePair, redirectParams } from '../helpers/browser';
import { buildClient } from '../factories';
import { authorizeUrl, authorizeWorld, baseParams, ISSUER } from './authorize-helpers';

const db = useTestDatabase();

async function nativeApp(registered: string) {
  const world = await authorizeWorld(db, { client_type: 'public', redirect_uris: [registered] });
  const pkce = pkcePair();
  const params = (redirectUri: string) =>
    baseParams(world.client.client_id, { redirect_uri: redirectUri, code_challenge: pkce.challenge });
  return { ...world, pkce, params };
}

describe('the authorization endpoint', () => {
  it.each([
    ['http://127.0.0.1/callback', 'http://127.0.0.1:53682/callback'],
    ['http://[::1]/callback', 'http://[::1]:53682/callback'],
  ])('accepts %s on any port, and Approve returns to that port', async (registered, sent) => {
    const { b, params } = await nativeApp(registered);
    const page = await b.agent.get(authorizeUrl(params(sent))).expect(200);
    expect(hiddenFields(page.text).redirect_uri).toBe(sent);
    const res = await b.agent
      .post('/oauth/authorize')
      .type('form')
      .send({ ...hiddenFields(page.text), decision: 'approve' })
      .expect(302);
    expect(res.headers.location?.startsWith(`${sent}?code=`)).toBe(true);
    expect(redirectParams(res.headers.location)).toEqual({
      code: expect.stringMatching(/^ssc_/),
      state: 'st-123',
      iss: ISSUER,
    });
  });

  it('still refuses another path, host or scheme on a registered loopback URI, with the error page', async () => {
    const { b, params } = await nativeApp('http://127.0.0.1/callback');
    for (const uri of [
      'http://127.0.0.1:53682/other',
      'http://127.0.0.2:53682/callback',
      'http://localhost:53682/callback',
      'https://127.0.0.1:53682/callback',
      'http://[::1]:53682/callback',
    ]) {
      const res = await b.agent.get(authorizeUrl(params(uri))).expect(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.text).toContain('not registered for the application');
    }
  });

  it('re-validates the redirect_uri when the consent form is posted', async () => {
    const { b, params } = await nativeApp('http://127.0.0.1/callback');
    const page = await b.agent.get(authorizeUrl(params('http://127.0.0.1:53682/callback'))).expect(200);
    const res = await b.agent
      .post('/oauth/authorize')
      .type('form')
      .send({ ...hiddenFields(page.text), redirect_uri: 'http://127.0.0.1:53682/elsewhere', decision: 'approve' })
      .expect(400);
    expect(res.headers.location).toBeUndefined();
    expect(await db.knex('oauth_authorization_codes').first()).toBeUndefined();
  });

  it('exchanges the code when the token request repeats the redirect_uri, port included', async () => {
    const { app, b, client, pkce, params } = await nativeApp('http://127.0.0.1/callback');
    const sent = 'http://127.0.0.1:53682/callback';
    const page = await b.agent.get(authorizeUrl(params(sent))).expect(200);
    const approved = await b.agent
      .post('/oauth/authorize')
      .type('form')
      .send({ ...hiddenFields(page.text), decision: 'approve' })
      .expect(302);
    const { code } = redirectParams(approved.headers.location);
    const res = await request(app).post('/oauth/token').type('form').send({
      grant_type: 'authorization_code',
      code,
      redirect_uri: sent,
      client_id: client.client_id,
      code_verifier: pkce.verifier,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      access_token: expect.stringMatching(/^ssa_/),
      token_type: 'bearer',
      scope: 'read write',
    });
  });

  it('keeps an existing http://localhost registration working (exact match only)', async () => {
    const { b, params } = await nativeApp('http://localhost:8080/cb');
    await b.agent.get(authorizeUrl(params('http://localhost:8080/cb'))).expect(200);
    await b.agent.get(authorizeUrl(params('http://localhost:8081/cb'))).expect(400);
  });
});

describe('registering http://localhost', () => {
  it('is refused on the developer pages, pointing to 127.0.0.1; an app that has one may keep it', async () => {
    const { user, b } = await authorizeWorld(db);
    const res = await b.submit('/developer/applications/new', '/developer/applications', {
      name: 'Native',
      redirect_uris: 'http://localhost/callback',
      client_type: 'public',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain(`line 1: ${LOCALHOST_REFUSED}`);
    expect(LOCALHOST_REFUSED).toContain('http://127.0.0.1');

    const client = await buildClient(db.knex, { owner_id: user.id, redirect_uris: ['http://localhost:8080/cb'] });
    const path = `/developer/applications/${client.id}`;
    const kept = await b.submit(path, path, {
      name: 'Renamed',
      redirect_uris: 'http://localhost:8080/cb\nhttp://127.0.0.1/cb',
    });
    expect(kept.status).toBe(303);
    const added = await b.submit(path, path, {
      name: 'Renamed',
      redirect_uris: 'http://localhost:8080/cb\nhttp://localhost:9000/cb',
    });
    expect(added.status).toBe(400);
    expect(added.text).toContain(`line 2: ${LOCALHOST_REFUSED}`);
    expect((await db.knex('oauth_clients').where({ id: client.id }).first()).redirect_uris).toEqual([
      'http://localhost:8080/cb',
      'http://127.0.0.1/cb',
    ]);
  });

  it('is refused by the CLI’s create-client', async () => {
    let stderr = '';
    const io = {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      openDatabase: () => ({ ...db.db, close: async () => {} }),
    };
    expect(
      await runCli(['create-client', '--name', 'Native', '--redirect-uri', 'http://localhost/cb', '--public'], io),
    ).toBe(2);
    expect(stderr).toContain(LOCALHOST_REFUSED);
    expect(await db.knex('oauth_clients').first()).toBeUndefined();
    expect(
      await runCli(['create-client', '--name', 'Native', '--redirect-uri', 'http://127.0.0.1/cb', '--public'], io),
    ).toBe(0);
  });
});
