// Finding #8 of issue #14: the authorization server is no open redirector. An error after the
// client is known goes back to its redirect_uri at once only when that URI is trusted — an
// operator's app, or one the signed-in user approved before; otherwise a page (400) names the
// app and the problem and offers one link back (SPEC §3, RFC 9700 §4.11.2).
import { useTestDatabase } from '../helpers/db';
import { csrfFrom, hiddenFields, redirectParams } from '../helpers/browser';
import { buildConsent, buildUser } from '../factories';
import { authorizeUrl, authorizeWorld, baseParams, externalLinks, ISSUER } from './authorize-helpers';

const db = useTestDatabase();
const EVIL = 'https://evil.example/cb';

async function userApp(name = 'Ticket Buddy') {
  const developer = await buildUser(db.knex, { first_name: 'Dev', last_name: 'Eloper', email: 'dev@example.com' });
  return authorizeWorld(db, { owner_id: developer.id, name, redirect_uris: [EVIL] });
}

describe('error redirects', () => {
  it('redirects at once to an operator app (no owner, registered through the CLI)', async () => {
    const { client, b } = await authorizeWorld(db, { owner_id: null, redirect_uris: [EVIL] });
    const res = await b.agent
      .get(authorizeUrl(baseParams(client.client_id, { redirect_uri: EVIL, response_type: 'x' })))
      .expect(302);
    expect(res.headers.location?.startsWith(`${EVIL}?`)).toBe(true);
    expect(redirectParams(res.headers.location)).toMatchObject({
      error: 'unsupported_response_type',
      state: 'st-123',
      iss: ISSUER,
    });
  });

  it('redirects at once to a user app the signed-in user has approved before', async () => {
    const { client, user, b } = await userApp();
    await buildConsent(db.knex, { user_id: user.id, client_id: client.id, scope: ['read'] });
    const res = await b.agent
      .get(authorizeUrl(baseParams(client.client_id, { redirect_uri: EVIL, scope: 'admin' })))
      .expect(302);
    expect(redirectParams(res.headers.location)).toMatchObject({
      error: 'invalid_scope',
      state: 'st-123',
      iss: ISSUER,
    });
  });

  it('shows a page with one "Return to" link, and no redirect, for a user app never approved by this user', async () => {
    const { client, b } = await userApp();
    await buildConsent(db.knex, { client_id: client.id }); // another user's approval does not count
    const res = await b.agent
      .get(authorizeUrl(baseParams(client.client_id, { redirect_uri: EVIL, response_type: 'x' })))
      .expect(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('Ticket Buddy');
    expect(res.text).toContain('Only response_type=code is supported.');
    expect(res.text).toContain('Return to Ticket Buddy (evil.example)');
    const links = externalLinks(res.text);
    expect(links).toHaveLength(1);
    expect(links[0]!.startsWith(`${EVIL}?`)).toBe(true);
    expect(redirectParams(links[0])).toEqual({
      error: 'unsupported_response_type',
      error_description: 'Only response_type=code is supported.',
      state: 'st-123',
      iss: ISSUER,
    });
  });

  it('applies the same rule to the consent form’s POST', async () => {
    const { client, b } = await userApp();
    const page = await b.agent.get(authorizeUrl(baseParams(client.client_id, { redirect_uri: EVIL }))).expect(200);
    const res = await b.agent
      .post('/oauth/authorize')
      .type('form')
      .send({
        ...hiddenFields(page.text),
        _csrf: csrfFrom(page.text),
        code_challenge_method: 'plain',
        decision: 'approve',
      })
      .expect(400);
    expect(res.headers.location).toBeUndefined();
    expect(redirectParams(externalLinks(res.text)[0])).toMatchObject({
      error: 'invalid_request',
      state: 'st-123',
      iss: ISSUER,
    });
    expect(await db.knex('oauth_authorization_codes').first()).toBeUndefined();
  });

  it('escapes the app name on the error page', async () => {
    const { client, b } = await userApp('<script>alert(1)</script>');
    const res = await b.agent
      .get(authorizeUrl(baseParams(client.client_id, { redirect_uri: EVIL, scope: 'admin' })))
      .expect(400);
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('Return to &lt;script&gt;alert(1)&lt;/script&gt; (evil.example)');
  });
});
