// "A new app was authorized on your account" (SPEC §7): mailed when an approval gives an app
// access it did not have — a first approval, or more scopes — in the transaction that records
// the grant; an approval the grant already covered, a denial, or a remembered consent mails nothing.
import { useTestDatabase } from '../helpers/db';
import { hiddenFields } from '../helpers/browser';
import { useMailbox } from '../helpers/smtp';
import { buildConsent } from '../factories';
import { authorizeUrl, authorizeWorld, baseParams } from '../oauth/authorize-helpers';

const db = useTestDatabase();
const mailbox = useMailbox(db);

type World = Awaited<ReturnType<typeof authorizeWorld>>;

/** Opens the consent page for `scope` and presses a button; the redirect's status. */
async function decide({ b, client }: World, scope: string, decision: 'approve' | 'deny' = 'approve') {
  const page = await b.agent.get(authorizeUrl(baseParams(client.client_id, { scope }))).expect(200);
  const res = await b.agent
    .post('/oauth/authorize')
    .type('form')
    .send({ ...hiddenFields(page.text), decision });
  return res.status;
}

describe('the app-authorized mail', () => {
  it('tells the owner the first time an app is approved: its name, what it may do, where to revoke it', async () => {
    const world = await authorizeWorld(db, { client_type: 'public', name: 'Seat <Swapper>' });
    expect(await decide(world, 'read')).toBe(302);
    const [mail, ...more] = await mailbox.deliver();
    expect(more).toEqual([]);
    expect(mail).toMatchObject({ to: [world.user.email], subject: 'An app was authorized on your SeatShare account' });
    expect(mail!.text).toContain('the app "Seat <Swapper>" was authorized');
    expect(mail!.text).toContain('See your profile, your groups, their events and tickets');
    expect(mail!.text).not.toContain('Change your profile');
    expect(mail!.text).toContain('http://seatshare.test/account/authorizations');
    expect(mail!.html).toContain('Seat &lt;Swapper&gt;');
    expect(mail!.html).not.toContain('<Swapper>');
  });

  it('quotes an app name on one line: a developer cannot add lines to the notification', async () => {
    const name = 'Seat App\n\nSecurity alert: re-verify at https://evil.example\u202e';
    const world = await authorizeWorld(db, { client_type: 'public', name });
    expect(await decide(world, 'read')).toBe(302);
    const [mail] = await mailbox.deliver();
    expect(mail!.text).toContain('the app "Seat App Security alert: re-verify at https://evil.example" was authorized');
    expect(mail!.text).not.toMatch(/^Security alert/m);
    expect(mail!.text).not.toContain('\u202e');
  });

  it('says nothing for an approval the grant already covers, and names only the added scope when it widens', async () => {
    const world = await authorizeWorld(db, { client_type: 'public' });
    await buildConsent(db.knex, { user_id: world.user.id, client_id: world.client.id, scope: ['read'] });
    expect(await decide(world, 'read')).toBe(302);
    expect(await mailbox.deliver()).toEqual([]);

    expect(await decide(world, 'read write')).toBe(302);
    const [mail, ...more] = await mailbox.deliver();
    expect(more).toEqual([]);
    expect(mail!.text).toContain('Change your profile, tickets and groups on your behalf');
    expect(mail!.text).not.toContain('See your profile');
  });

  it('says nothing when the user denies; tells again after a revoke and a new approval', async () => {
    const world = await authorizeWorld(db, { client_type: 'public' });
    expect(await decide(world, 'read', 'deny')).toBe(302);
    expect(await mailbox.deliver()).toEqual([]);

    expect(await decide(world, 'read')).toBe(302);
    expect(await mailbox.deliver()).toHaveLength(1);
    mailbox.messages.length = 0;
    await db.knex('oauth_consents').where({ user_id: world.user.id }).del(); // revoked on /account/authorizations
    expect(await decide(world, 'read')).toBe(302);
    expect(await mailbox.deliver()).toHaveLength(1);
  });

  it('says nothing when a confidential client is let through on a remembered consent', async () => {
    const world = await authorizeWorld(db, { client_type: 'confidential' });
    await buildConsent(db.knex, { user_id: world.user.id, client_id: world.client.id, scope: ['read', 'write'] });
    await world.b.agent.get(authorizeUrl(baseParams(world.client.client_id, { scope: 'read' }))).expect(302);
    expect(await mailbox.deliver()).toEqual([]);
  });
});
