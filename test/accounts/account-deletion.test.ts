// Deleting an account (SPEC §7): password required; refused while the user is the last admin of
// a group with other members; otherwise each membership ends as leaving does (SPEC §5), the
// apps, tokens, sessions and aliases go, history keeps a "deleted user", and a goodbye mail is sent.
import type { Express } from 'express';
import type { Knex } from 'knex';
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp, testConfig } from '../helpers/app';
import { browser, csrfFrom } from '../helpers/browser';
import { useMailbox } from '../helpers/smtp';
import { as } from '../helpers/world';
import { backendPid, started, waitUntilWaitingOnLock } from '../helpers/locks';
import {
  buildAlias,
  buildClient,
  buildConsent,
  buildEvent,
  buildGroup,
  buildMembership,
  buildPersonalToken,
  buildTicket,
  buildTicketHistory,
  buildToken,
  buildUser,
  FACTORY_PASSWORD,
} from '../factories';
import { createLink } from '../../src/accounts/links';
import { findGroup } from '../../src/api/v1/groups/queries';
import type { UserRow } from '../../src/users/users';

const db = useTestDatabase();
const mailbox = useMailbox(db);

const app = (env: NodeJS.ProcessEnv = {}) => testApp(db.db, { config: testConfig(env) });

async function signedIn(server: Express, user: Pick<UserRow, 'email'>) {
  const b = browser(server);
  expect((await b.login(user.email)).status).toBe(303);
  return b;
}

type Browser = Awaited<ReturnType<typeof signedIn>>;

/** Opens /account/delete and submits its form (without the CSRF token if `csrf` is false). */
async function submitDeletion(b: Browser, password: string, { csrf = true } = {}) {
  const page = await b.agent.get('/account/delete').expect(200);
  const form = csrf ? { _csrf: csrfFrom(page.text), current_password: password } : { current_password: password };
  return b.agent.post('/account/delete').set('Accept', 'text/html').type('form').send(form);
}

const isSignedIn = async (b: Browser) => (await b.agent.get('/account/authorizations')).status === 200;
const userExists = async (id: string) => (await db.knex('users').where({ id })).length === 1;

/** A personal token for `user`, usable on the API. */
const tokenOf = async (user: UserRow) => (await buildPersonalToken(db.knex, { user_id: user.id })).token;

describe('the account deletion page', () => {
  it('sends an anonymous visitor to the login page, GET and POST alike', async () => {
    const server = app();
    const page = await request(server).get('/account/delete');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login?return_to=%2Faccount%2Fdelete');
    const post = await request(server).post('/account/delete').type('form').send({ current_password: 'x' });
    expect(post.status).toBe(303);
    expect(post.headers.location).toMatch(/^\/login\?return_to=/);
  });

  it('explains what goes, with a labelled password field, and names the groups the user leaves or closes', async () => {
    const user = await buildUser(db.knex);
    const shared = await buildGroup(db.knex, { name: 'Season Crew', admin: await buildUser(db.knex) });
    await buildMembership(db.knex, { group_id: shared.id, user_id: user.id });
    await buildGroup(db.knex, { name: 'Just Me', admin: user });
    const page = await (await signedIn(app(), user)).agent.get('/account/delete').expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('<label for="current_password">');
    expect(page.text).toContain('cannot be undone');
    expect(page.text).toContain('Season Crew');
    expect(page.text).toContain('Groups where you are the only member are deactivated: Just Me.');
    expect(page.text).not.toContain('make someone else admin');
    expect(page.text).not.toContain(' disabled>');
  });
});

describe('refusals: nothing is deleted', () => {
  it('refuses a submission without the CSRF token (403)', async () => {
    const user = await buildUser(db.knex);
    const here = await signedIn(app(), user);
    expect((await submitDeletion(here, FACTORY_PASSWORD, { csrf: false })).status).toBe(403);
    expect(await userExists(user.id)).toBe(true);
    expect(await isSignedIn(here)).toBe(true);
  });

  it('refuses a wrong or missing password (400), signs nobody out and sends no mail', async () => {
    const user = await buildUser(db.knex);
    const server = app();
    const here = await signedIn(server, user);
    const token = await tokenOf(user);
    for (const password of ['not my password', '']) {
      const res = await submitDeletion(here, password);
      expect(res.status).toBe(400);
      expect(res.text).toContain('is not your current password');
      expect(res.text).toContain('Your account was not deleted.');
    }
    // Hostile forms: the field twice (an array), or not there at all.
    const page = await here.agent.get('/account/delete').expect(200);
    for (const body of [
      `_csrf=${encodeURIComponent(csrfFrom(page.text))}&current_password=${encodeURIComponent(FACTORY_PASSWORD)}&current_password=x`,
      `_csrf=${encodeURIComponent(csrfFrom(page.text))}`,
    ])
      expect((await here.agent.post('/account/delete').type('form').send(body)).status).toBe(400);
    expect(await userExists(user.id)).toBe(true);
    expect(await isSignedIn(here)).toBe(true);
    expect((await as(server, token).get('/api/v1/users/me')).status).toBe(200);
    await mailbox.deliver();
    expect(mailbox.messages).toEqual([]);
  });

  it('counts wrong passwords like failed logins, in the budget of the password-change form (429)', async () => {
    const user = await buildUser(db.knex);
    const here = await signedIn(app({ RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: '2' }), user);
    const wrongChange = await here.submit('/account/password', '/account/password', {
      current_password: 'wrong one',
      new_password: 'a brand new passphrase',
      confirm_password: 'a brand new passphrase',
    });
    expect(wrongChange.status).toBe(400);
    expect((await submitDeletion(here, 'wrong two')).status).toBe(400);
    const limited = await submitDeletion(here, FACTORY_PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.text).toContain('Too many attempts');
    expect(await userExists(user.id)).toBe(true);
  });

  it('refuses the last admin of a group with other members (409), naming the group, and changes nothing', async () => {
    const user = await buildUser(db.knex);
    const blocking = await buildGroup(db.knex, { name: 'Box 12 <Regulars>', admin: user });
    const other = await buildUser(db.knex);
    await buildMembership(db.knex, { group_id: blocking.id, user_id: other.id });
    // A group they may leave (another admin) and one they alone are in: neither is touched either.
    const leavable = await buildGroup(db.knex, { name: 'Leavable', admin: other });
    await buildMembership(db.knex, { group_id: leavable.id, user_id: user.id, role: 'admin' });
    const alone = await buildGroup(db.knex, { name: 'Alone', admin: user });
    const owned = await buildTicket(db.knex, {
      event: await buildEvent(db.knex, { group_id: leavable.id }),
      owner: user,
    });
    const server = app();
    const here = await signedIn(server, user);

    const page = await here.agent.get('/account/delete').expect(200);
    expect(page.text).toContain('First, make someone else admin');
    expect(page.text).toContain('Box 12 &lt;Regulars&gt;');
    expect(page.text).toContain(' disabled>Delete my account');

    const res = await submitDeletion(here, FACTORY_PASSWORD);
    expect(res.status).toBe(409);
    expect(res.text).toContain('you are the last admin of a group with other members');
    expect(res.text).toContain('Box 12 &lt;Regulars&gt;');
    expect(await userExists(user.id)).toBe(true);
    expect(await db.knex('memberships').where({ user_id: user.id })).toHaveLength(3);
    expect(await db.knex('tickets').where({ id: owned.id })).toHaveLength(1);
    expect(await db.knex('groups').where({ id: alone.id }).first()).toMatchObject({ deactivated_at: null });
    expect(await db.knex('ticket_history').where({ group_id: leavable.id })).toEqual([]);
    expect(await isSignedIn(here)).toBe(true);
    await mailbox.deliver();
    expect(mailbox.messages).toEqual([]);

    // Once someone else is admin, the same form deletes the account.
    await db.knex('memberships').where({ group_id: blocking.id, user_id: other.id }).update({ role: 'admin' });
    expect((await submitDeletion(here, FACTORY_PASSWORD)).status).toBe(200);
    expect(await userExists(user.id)).toBe(false);
  });
});

describe('deleting the account', () => {
  it('ends each membership as leaving does: owned tickets deleted, assigned ones made available, all in history', async () => {
    const user = await buildUser(db.knex, { first_name: 'Dee', last_name: 'Parting' });
    const admin = await buildUser(db.knex);
    const stays = await buildUser(db.knex);
    const group = await buildGroup(db.knex, { admin });
    await buildMembership(db.knex, { group_id: group.id, user_id: user.id });
    await buildMembership(db.knex, { group_id: group.id, user_id: stays.id });
    const event = await buildEvent(db.knex, { group_id: group.id });
    const ownedForOther = await buildTicket(db.knex, { event, owner: user, assignee_id: stays.id });
    const ownedForSelf = await buildTicket(db.knex, { event, owner: user });
    const alias = await buildAlias(db.knex, { user_id: user.id });
    const heldByUser = await buildTicket(db.knex, { event, owner: admin, assignee_id: user.id, alias_id: alias.id });
    const earlier = await buildTicketHistory(db.knex, {
      ticket_id: heldByUser.id,
      actor_id: user.id,
      action: 'requested',
    });
    const untouched = await buildTicket(db.knex, { event, owner: stays });
    const server = app();
    const adminToken = await tokenOf(admin);

    const res = await submitDeletion(await signedIn(server, user), FACTORY_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Your account is deleted');

    expect(await db.knex('tickets').whereIn('id', [ownedForOther.id, ownedForSelf.id])).toEqual([]);
    expect(await db.knex('tickets').where({ id: heldByUser.id }).first()).toMatchObject({
      assignee_id: null,
      alias_id: null,
    });
    expect(await db.knex('tickets').where({ id: untouched.id }).first()).toMatchObject({ assignee_id: stays.id });
    const deletions = await db.knex('ticket_history').where({ group_id: group.id, action: 'deleted' });
    expect(deletions).toHaveLength(2);
    for (const entry of deletions) expect(entry).toMatchObject({ ticket_id: null, actor_id: null });
    expect(deletions.map((entry) => (entry.changes as Record<string, unknown>).owner_id)).toEqual([
      [user.id, null],
      [user.id, null],
    ]);

    // The remaining members still read the history, the actor now a "deleted user".
    const history = await as(server, adminToken).get(`/api/v1/tickets/${heldByUser.id}/history`).expect(200);
    expect(history.body).toEqual([
      expect.objectContaining({
        action: 'unassigned',
        actor: { id: null, display_name: 'deleted user' },
        changes: { assignee_id: [user.id, null], alias_id: [alias.id, null] },
      }),
      expect.objectContaining({
        id: earlier.id,
        action: 'requested',
        actor: { id: null, display_name: 'deleted user' },
      }),
    ]);
    expect(JSON.stringify(history.body)).not.toContain('Parting');
    const members = await as(server, adminToken).get(`/api/v1/users?group_id=${group.id}`).expect(200);
    expect(members.body.map((member: { id: string }) => member.id).sort()).toEqual([admin.id, stays.id].sort());
  });

  it('removes their apps, OAuth tokens and consents, personal tokens, aliases, links and sessions; tells them by mail', async () => {
    const user = await buildUser(db.knex, { first_name: 'Dee' });
    const bystander = await buildUser(db.knex);
    const server = app();
    const elsewhere = await signedIn(server, user);
    const here = await signedIn(server, user);
    const watching = await signedIn(server, bystander);
    const personal = await tokenOf(user);
    const theirApp = await buildClient(db.knex, { owner_id: user.id });
    const bystanderOnTheirApp = await buildToken(db.knex, { client_id: theirApp.id, user_id: bystander.id });
    const otherApp = await buildClient(db.knex, { owner_id: bystander.id });
    const theirGrant = await buildToken(db.knex, { client_id: otherApp.id, user_id: user.id });
    await buildConsent(db.knex, { client_id: otherApp.id, user_id: user.id });
    await buildAlias(db.knex, { user_id: user.id });
    await createLink(db.knex, { userId: user.id, purpose: 'reset_password' });
    const bystanderToken = await tokenOf(bystander);

    const res = await submitDeletion(here, FACTORY_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.text).toContain(user.email);

    expect(await userExists(user.id)).toBe(false);
    const me = (authorization: string) => request(server).get('/api/v1/users/me').set('Authorization', authorization);
    expect((await me(`Token ${personal}`)).status).toBe(401);
    expect((await me(`Bearer ${theirGrant.access_token}`)).status).toBe(401);
    // Their app is gone, and with it the grants other people had given it.
    expect(await db.knex('oauth_clients').where({ id: theirApp.id })).toEqual([]);
    expect((await me(`Bearer ${bystanderOnTheirApp.access_token}`)).status).toBe(401);
    for (const table of [
      'oauth_consents',
      'oauth_tokens',
      'personal_tokens',
      'user_aliases',
      'account_links',
      'sessions',
    ])
      expect({ table, rows: await db.knex(table).where({ user_id: user.id }) }).toEqual({ table, rows: [] });
    expect(await isSignedIn(here)).toBe(false);
    expect(await isSignedIn(elsewhere)).toBe(false);
    expect(await isSignedIn(watching)).toBe(true);
    expect((await as(server, bystanderToken).get('/api/v1/users/me')).status).toBe(200);
    expect((await browser(server).login(user.email)).status).toBe(401);

    await mailbox.deliver();
    expect(mailbox.messages).toHaveLength(1);
    const mail = mailbox.messages[0]!;
    expect(mail).toMatchObject({ to: [user.email], subject: 'Your SeatShare account was deleted' });
    expect(mail.text).toContain('Hello Dee,');
    expect(mail.text).toContain('http://seatshare.test/signup');
    expect(mail.html).toContain('was deleted on');
  });

  it('deactivates a group they alone are in, and leaves groups that keep another admin', async () => {
    const user = await buildUser(db.knex);
    const alone = await buildGroup(db.knex, { admin: user });
    const ownTicket = await buildTicket(db.knex, {
      event: await buildEvent(db.knex, { group_id: alone.id }),
      owner: user,
    });
    const coAdmin = await buildUser(db.knex);
    const shared = await buildGroup(db.knex, { admin: coAdmin });
    await buildMembership(db.knex, { group_id: shared.id, user_id: user.id, role: 'admin' });
    const server = app();

    expect((await submitDeletion(await signedIn(server, user), FACTORY_PASSWORD)).status).toBe(200);
    expect((await db.knex('groups').where({ id: alone.id }).first()).deactivated_at).not.toBeNull();
    expect(await db.knex('tickets').where({ id: ownTicket.id })).toEqual([]);
    expect((await db.knex('groups').where({ id: shared.id }).first()).deactivated_at).toBeNull();
    expect(await db.knex('memberships').where({ group_id: shared.id })).toEqual([
      expect.objectContaining({ user_id: coAdmin.id, role: 'admin' }),
    ]);
    const token = await tokenOf(coAdmin);
    expect((await as(server, token).get(`/api/v1/groups/${shared.id}`)).body).toMatchObject({ member_count: 1 });
  });

  it('lets an unverified account delete itself', async () => {
    const user = await buildUser(db.knex, { email_verified_at: null });
    expect((await submitDeletion(await signedIn(app(), user), FACTORY_PASSWORD)).status).toBe(200);
    expect(await userExists(user.id)).toBe(false);
  });

  it('frees the address: it can sign up again, as a new account', async () => {
    const user = await buildUser(db.knex, { email: 'Comeback@Example.com' });
    const server = app();
    expect((await submitDeletion(await signedIn(server, user), FACTORY_PASSWORD)).status).toBe(200);
    await mailbox.deliver();
    mailbox.messages.length = 0;

    const signup = await browser(server).submit('/signup', '/signup', {
      email: 'comeback@example.com',
      first_name: 'Back',
      last_name: 'Again',
      password: 'a fresh start passphrase',
    });
    expect(signup.status).toBe(200);
    const again = await db.knex('users').whereRaw('lower(email) = ?', ['comeback@example.com']);
    expect(again).toHaveLength(1);
    expect(again[0].id).not.toBe(user.id);
    await mailbox.deliver();
    expect(mailbox.messages.map((mail) => mail.to)).toEqual([['comeback@example.com']]);
    expect(mailbox.messages[0]!.subject).not.toContain('tried to sign up');
  });
});

/**
 * Submits the deletion form while `holder` holds a lock it must wait on, waits until it does (seen
 * in pg_locks), commits the holder, and resolves to the deletion's response.
 */
async function deleteWhileHeld(here: Browser, pageHtml: string, holder: Knex.Transaction) {
  const deletion = started(
    here.agent
      .post('/account/delete')
      .type('form')
      .send({ _csrf: csrfFrom(pageHtml), current_password: FACTORY_PASSWORD }),
  );
  try {
    await waitUntilWaitingOnLock(db.knex, { blockedBy: await backendPid(holder), finished: () => deletion.done });
  } finally {
    await holder.commit();
  }
  return deletion.result;
}

// Two connections at once: PGlite has one, so this runs in the PostgreSQL pass.
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
onPostgres('a deletion racing a co-admin leaving (PostgreSQL)', () => {
  it('waits for a co-admin leaving at the same moment, then counts again and refuses', async () => {
    const user = await buildUser(db.knex);
    const coAdmin = await buildUser(db.knex);
    const group = await buildGroup(db.knex, { name: 'Two Admins', admin: coAdmin });
    await buildMembership(db.knex, { group_id: group.id, user_id: user.id, role: 'admin' });
    await buildMembership(db.knex, { group_id: group.id, user_id: (await buildUser(db.knex)).id });
    const server = app();
    const here = await signedIn(server, user);
    const page = await here.agent.get('/account/delete').expect(200);

    // The co-admin's departure holds the group's row, as DELETE …/members/:user_id does.
    const holder = await db.knex.transaction();
    await findGroup(holder, { userId: coAdmin.id }, group.id, { lock: true });
    await holder('memberships').where({ group_id: group.id, user_id: coAdmin.id }).delete();
    const res = await deleteWhileHeld(here, page.text, holder);
    expect(res.status).toBe(409);
    expect(res.text).toContain('Two Admins');
    expect(await userExists(user.id)).toBe(true);
  });

  it('undoes everything when the user joins a group meanwhile (their own token), instead of losing its history', async () => {
    const user = await buildUser(db.knex);
    const left = await buildGroup(db.knex, { name: 'Left Behind', admin: await buildUser(db.knex) });
    await buildMembership(db.knex, { group_id: left.id, user_id: user.id });
    const joined = await buildGroup(db.knex, { name: 'Joined Meanwhile', admin: await buildUser(db.knex) });
    const server = app();
    const here = await signedIn(server, user);
    const page = await here.agent.get('/account/delete').expect(200);

    // A join in flight from the user's API token: its membership insert holds the user's row (KEY SHARE).
    const holder = await db.knex.transaction();
    await holder('memberships').insert({ group_id: joined.id, user_id: user.id, role: 'member' });
    const res = await deleteWhileHeld(here, page.text, holder);
    expect(res.status).toBe(409);
    expect(res.text).toContain('Your groups changed while your account was being deleted');
    expect(await userExists(user.id)).toBe(true);
    const memberships = await db.knex('memberships').where({ user_id: user.id }).orderBy('group_id');
    expect(memberships.map((m: { group_id: string }) => m.group_id).sort()).toEqual([left.id, joined.id].sort());
  });
});
