// SPEC §7: an account whose email is not verified may sign in and verify, and nothing else — it
// cannot approve an app, mint a personal token (page or API) or join a group (API or page).
// Each refusal is next to the same request by a verified account, which succeeds.
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp } from '../helpers/app';
import { browser, csrfFrom, hiddenFields } from '../helpers/browser';
import { buildClient, buildConsent, buildGroup, buildPersonalToken, buildUser, FACTORY_PASSWORD } from '../factories';
import { authorizeUrl, baseParams } from '../oauth/authorize-helpers';
import { UNVERIFIED_REASON } from '../../src/policies/rules';

const db = useTestDatabase();

const people = async () => ({
  unverified: await buildUser(db.knex, { email_verified_at: null }),
  verified: await buildUser(db.knex),
});
type Person = Awaited<ReturnType<typeof buildUser>>;

async function signedIn(person: Person) {
  const b = browser(testApp(db.db));
  expect((await b.login(person.email)).status).toBe(303);
  return b;
}

describe('approving an OAuth app', () => {
  it('shows an unverified account why it cannot approve, with a resend button; Deny still works', async () => {
    const { unverified } = await people();
    const client = await buildClient(db.knex);
    const b = await signedIn(unverified);
    const page = await b.agent.get(authorizeUrl(baseParams(client.client_id))).expect(200);
    expect(page.text).toContain('is not verified yet');
    expect(page.text).toContain('Resend verification email');
    expect(page.text).not.toContain('value="approve"');
    expect(page.text).toContain('value="deny"');
    const form = hiddenFields(page.text.slice(page.text.indexOf('action="/oauth/authorize"')));
    const denied = await b.agent
      .post('/oauth/authorize')
      .type('form')
      .send({ ...form, decision: 'deny' });
    expect(denied.status).toBe(302);
    expect(denied.headers.location).toMatch(/error=access_denied/);
  });

  it('refuses its Approve (403, no code, no consent); a verified account is sent back with a code', async () => {
    const { unverified, verified } = await people();
    const client = await buildClient(db.knex);
    // The unverified page keeps the form (for Deny): its fields, posted with decision=approve.
    const approve = async (person: Person) => {
      const b = await signedIn(person);
      const page = await b.agent.get(authorizeUrl(baseParams(client.client_id)));
      return b.agent
        .post('/oauth/authorize')
        .type('form')
        .send({
          ...hiddenFields(page.text.slice(page.text.indexOf('action="/oauth/authorize"'))),
          decision: 'approve',
        });
    };
    const refused = await approve(unverified);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Verify your email address first');
    expect(await db.knex('oauth_authorization_codes')).toEqual([]);
    expect(await db.knex('oauth_consents').where({ user_id: unverified.id })).toEqual([]);

    const approved = await approve(verified);
    expect(approved.status).toBe(302);
    expect(approved.headers.location).toMatch(/\?code=/);
  });

  it('does not approve again from a remembered consent while unverified', async () => {
    const { unverified } = await people();
    const client = await buildClient(db.knex);
    await buildConsent(db.knex, { user_id: unverified.id, client_id: client.id });
    const b = await signedIn(unverified);
    const page = await b.agent.get(authorizeUrl(baseParams(client.client_id)));
    expect(page.status).toBe(200);
    expect(page.text).toContain('is not verified yet');
    expect(await db.knex('oauth_authorization_codes')).toEqual([]);
  });
});

describe('minting a personal token', () => {
  it('refuses on /account/tokens (403, no token); a verified account gets one', async () => {
    const { unverified, verified } = await people();
    for (const [person, status] of [
      [unverified, 403],
      [verified, 200],
    ] as const) {
      const b = await signedIn(person);
      const page = await b.agent.get('/account/tokens').expect(200);
      expect(page.text.includes('action="/account/tokens"')).toBe(person === verified);
      const res = await b.agent
        .post('/account/tokens')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), name: 'laptop', expires_in_days: '30' });
      expect(res.status).toBe(status);
      expect(await db.knex('personal_tokens').where({ user_id: person.id })).toHaveLength(person === verified ? 1 : 0);
    }
  });

  it('refuses POST /api/authenticate/ with a 403 error object; a verified account gets a token', async () => {
    const { unverified, verified } = await people();
    const app = testApp(db.db);
    const authenticate = (person: Person) =>
      request(app).post('/api/authenticate/').send({ username: person.email, password: FACTORY_PASSWORD });
    const refused = await authenticate(unverified).expect(403);
    expect(refused.body).toEqual({ error: 'Forbidden', error_detail: UNVERIFIED_REASON, code: 403 });
    expect(await db.knex('personal_tokens').where({ user_id: unverified.id })).toEqual([]);
    // The wrong password is still the generic 400: only the owner learns the account is unverified.
    await request(app).post('/api/authenticate/').send({ username: unverified.email, password: 'wrong' }).expect(400);
    expect((await authenticate(verified).expect(200)).body.token).toMatch(/^ssp_/);
  });
});

describe('joining a group', () => {
  it('refuses POST /api/v1/groups/join with a 403 error object (before the code is looked at); verified joins', async () => {
    const { unverified, verified } = await people();
    const group = await buildGroup(db.knex);
    // A legacy token: tokens are minted for verified accounts only, but the join checks anyway.
    const join = async (person: Person, code: string) =>
      request(testApp(db.db))
        .post('/api/v1/groups/join')
        .set('Authorization', `Token ${(await buildPersonalToken(db.knex, { user_id: person.id })).token}`)
        .send({ code });
    for (const code of [group.invitation_code, 'NOTACODE']) {
      const refused = await join(unverified, code);
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ error: 'Forbidden', error_detail: UNVERIFIED_REASON, code: 403 });
    }
    expect(await db.knex('memberships').where({ user_id: unverified.id })).toEqual([]);
    expect((await join(verified, group.invitation_code)).status).toBe(200);
  });

  it('explains on the /join page and refuses its POST (403); a verified account joins', async () => {
    const { unverified, verified } = await people();
    const group = await buildGroup(db.knex, { name: 'Season crew' });
    const b = await signedIn(unverified);
    const page = await b.agent.get(`/join?code=${group.invitation_code}`).expect(200);
    expect(page.text).toContain('is not verified yet');
    expect(page.text).not.toContain('Join the group');
    const refused = await b.agent
      .post('/join')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), code: group.invitation_code });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Verify your email address first');
    expect(await db.knex('memberships').where({ user_id: unverified.id })).toEqual([]);

    const joined = await (
      await signedIn(verified)
    ).submit(`/join?code=${group.invitation_code}`, '/join', {
      code: group.invitation_code,
    });
    expect(joined.status).toBe(200);
    expect(joined.text).toContain('You are now a member of <strong>Season crew</strong>');
  });
});
