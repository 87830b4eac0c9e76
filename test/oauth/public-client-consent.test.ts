// Finding #1 of issue #14: a public client never gets a code without the user's click, even
// with a remembered consent (SPEC §3, RFC 8252 §8.6): any app can claim its redirect URI.
import { useTestDatabase } from '../helpers/db';
import { hiddenFields, redirectParams } from '../helpers/browser';
import { buildConsent } from '../factories';
import { authorizeUrl, authorizeWorld, baseParams, ISSUER } from './authorize-helpers';

const db = useTestDatabase();
const codes = async () => Number((await db.knex('oauth_authorization_codes').count({ n: '*' }).first())?.n);

describe('remembered consent', () => {
  it('shows a public client the consent page every time, saying when it was last approved, and makes no code on GET', async () => {
    const { client, user, b } = await authorizeWorld(db, { client_type: 'public' });
    await buildConsent(db.knex, {
      user_id: user.id,
      client_id: client.id,
      scope: ['read', 'write'],
      updated_at: new Date('2026-11-20T10:00:00Z'),
    });
    const page = await b.agent.get(authorizeUrl(baseParams(client.client_id, { scope: 'read' }))).expect(200);
    expect(page.headers.location).toBeUndefined();
    expect(page.text).toContain('Approve');
    expect(page.text).toContain('You last approved it on 2026-11-20.');
    expect(await codes()).toBe(0);

    const approved = await b.agent
      .post('/oauth/authorize')
      .type('form')
      .send({ ...hiddenFields(page.text), decision: 'approve' })
      .expect(302);
    expect(redirectParams(approved.headers.location)).toEqual({
      code: expect.stringMatching(/^ssc_/),
      state: 'st-123',
      iss: ISSUER,
    });
  });

  it('still remembers a confidential client: 302 with a code and no page', async () => {
    const { client, user, b } = await authorizeWorld(db, { client_type: 'confidential' });
    await buildConsent(db.knex, { user_id: user.id, client_id: client.id, scope: ['read', 'write'] });
    const res = await b.agent.get(authorizeUrl(baseParams(client.client_id, { scope: 'read' }))).expect(302);
    expect(redirectParams(res.headers.location)).toEqual({
      code: expect.stringMatching(/^ssc_/),
      state: 'st-123',
      iss: ISSUER,
    });
    expect(await codes()).toBe(1);
  });
});
