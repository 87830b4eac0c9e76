// The invitation mail's link, end to end (SPEC §7): /join signed out shows the invitation and
// "Log in" / "Create an account", both coming back to /join; a new person signs up, verifies
// the address from the verification mail, logs in, is back at /join and joins; an existing user
// logs in and joins. Only a usable single-use invitation code names its group.
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp } from '../helpers/app';
import { browser, csrfFrom, hiddenFields } from '../helpers/browser';
import { useMailbox, type ReceivedMail } from '../helpers/smtp';
import { as } from '../helpers/world';
import { buildGroup, buildInvitation, buildPersonalToken, buildUser, inDays } from '../factories';

const db = useTestDatabase();
const mailbox = useMailbox(db);
const BASE = 'http://seatshare.test';

/** The first link to `path` in a mail's text body, as a local path. */
function linkIn(mail: ReceivedMail | undefined, path: string): string {
  const match = new RegExp(`${BASE.replace(/\./g, '\\.')}(${path.replace(/\?/g, '\\?')}\\S+)`).exec(mail?.text ?? '');
  if (!match) throw new Error(`no ${path} link in: ${mail?.text}`);
  return match[1]!;
}

/** The href of the link in the page's main part whose text is `label`, HTML entities undone. */
function hrefOf(html: string, label: string): string {
  const main = html.slice(html.indexOf('<main>'));
  const match = new RegExp(`<a[^>]*href="([^"]+)"[^>]*>${label}</a>`).exec(main);
  if (!match) throw new Error(`no "${label}" link in:\n${html}`);
  return match[1]!.replace(/&amp;/g, '&');
}

/** An admin of "Section 326" invites `email` through the API; resolves to the mailed join link. */
async function invited(email: string) {
  const admin = await buildUser(db.knex, { first_name: 'Ada', last_name: 'Admin' });
  const group = await buildGroup(db.knex, { name: 'Section 326', admin });
  const { token } = await buildPersonalToken(db.knex, { user_id: admin.id });
  const app = testApp(db.db);
  const res = await as(app, token).post(`/api/v1/groups/${group.id}/invitations`).send({ email }).expect(201);
  const [mail] = await mailbox.deliver();
  expect(mail!.to).toEqual([email]);
  const link = linkIn(mail, '/join?code=');
  expect(`${BASE}${link}`).toBe(res.body.join_url);
  return { app, group, link, invitationId: res.body.id as string };
}

const memberships = async (userId: string) =>
  Number((await db.knex('memberships').where({ user_id: userId }).count({ n: '*' }).first())?.n);

it('takes a new person from the mail through sign-up and verification back to /join, and in', async () => {
  const { app, group, link, invitationId } = await invited('newcomer@example.com');
  const b = browser(app);

  const landing = await b.agent.get(link).expect(200);
  expect(landing.headers['cache-control']).toBe('no-store');
  expect(landing.text).toContain('<strong>Ada Admin</strong> invited you to join the group');
  expect(landing.text).toContain('&ldquo;<strong>Section 326</strong>&rdquo;');
  expect(landing.text).toMatch(/The invitation works once and expires on \d{1,2} \w+ \d{4} at \d\d:\d\d UTC\./);
  expect(landing.text).not.toContain('<form method="post" action="/join"');

  const signupLink = hrefOf(landing.text, 'Create an account');
  expect(signupLink).toBe(`/signup?return_to=${encodeURIComponent(link)}`);
  const signup = await b.agent.get(signupLink).expect(200);
  expect(hiddenFields(signup.text).return_to).toBe(link);
  const sent = await b.agent
    .post('/signup')
    .type('form')
    .send({
      ...hiddenFields(signup.text),
      email: 'newcomer@example.com',
      password: 'a long password',
      first_name: 'Nia',
      last_name: 'Newcomer',
    })
    .expect(200);
  expect(sent.text).toContain('We sent a message to <strong>newcomer@example.com</strong>');

  const verification = (await mailbox.deliver()).find((mail) => mail.subject.startsWith('Verify your email'));
  expect(verification!.to).toEqual(['newcomer@example.com']);
  const verifyLink = linkIn(verification, '/verify-email?');
  expect(new URL(verifyLink, BASE).searchParams.get('return_to')).toBe(link);
  const confirm = await b.agent.get(verifyLink).expect(200);
  const done = await b.agent.post('/verify-email').type('form').send(hiddenFields(confirm.text)).expect(200);
  expect(done.text).toContain('Your email is verified.');

  const loginLink = hrefOf(done.text, 'Log in');
  expect(loginLink).toBe(`/login?return_to=${encodeURIComponent(link)}`);
  const login = await b.agent.get(loginLink).expect(200);
  const signedIn = await b.agent
    .post('/login')
    .type('form')
    .send({ ...hiddenFields(login.text), email: 'newcomer@example.com', password: 'a long password' })
    .expect(303);
  expect(signedIn.headers.location).toBe(link);

  const confirmJoin = await b.agent.get(link).expect(200);
  expect(confirmJoin.text).toContain('<form method="post" action="/join"');
  expect(confirmJoin.text).toContain('Section 326');
  const newcomer = await db.knex('users').where({ email: 'newcomer@example.com' }).first();
  expect(await memberships(newcomer.id)).toBe(0); // looking joins nothing

  const joined = await b.agent
    .post('/join')
    .type('form')
    .send({ _csrf: csrfFrom(confirmJoin.text), code: new URL(link, BASE).searchParams.get('code') })
    .expect(200);
  expect(joined.text).toContain('You are now a member of <strong>Section 326</strong>');
  const { token } = await buildPersonalToken(db.knex, { user_id: newcomer.id });
  const seen = await as(app, token).get(`/api/v1/groups/${group.id}`).expect(200);
  expect(seen.body).toMatchObject({ id: group.id, name: 'Section 326', role: 'member' });
  expect(await db.knex('invitations').where({ id: invitationId }).first('accepted_by_id')).toEqual({
    accepted_by_id: newcomer.id,
  });
});

it('takes an existing user from the link through the login page back to /join, and in', async () => {
  const guest = await buildUser(db.knex, { email: 'guest@example.com' });
  const { app, group, link } = await invited('guest@example.com');
  const b = browser(app);
  const landing = await b.agent.get(link).expect(200);
  const login = await b.agent.get(hrefOf(landing.text, 'Log in')).expect(200);
  expect(hiddenFields(login.text).return_to).toBe(link);
  const signedIn = await b.agent
    .post('/login')
    .type('form')
    .send({ ...hiddenFields(login.text), email: guest.email, password: 'correct horse battery staple' })
    .expect(303);
  expect(signedIn.headers.location).toBe(link);

  const page = await b.agent.get(link).expect(200);
  await b.agent
    .post('/join')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), code: new URL(link, BASE).searchParams.get('code') })
    .expect(200);
  expect(await db.knex('memberships').where({ user_id: guest.id }).first('group_id', 'role')).toEqual({
    group_id: group.id,
    role: 'member',
  });
});

describe('what /join shows someone signed out', () => {
  const signedOut = (path: string) => request(testApp(db.db)).get(path).expect(200);

  it('names no group for a group join code, a wrong code or none, and still offers both ways on', async () => {
    const group = await buildGroup(db.knex, { name: 'Secret Society' });
    for (const code of [group.invitation_code, 'AAAAA-BBBBB-CCCCC', 'ssi_not-a-code', '']) {
      const path = code ? `/join?code=${encodeURIComponent(code)}` : '/join';
      const page = await signedOut(path);
      expect(page.text).not.toContain('Secret Society');
      expect(page.text).not.toContain('invited you to join');
      expect(hrefOf(page.text, 'Log in')).toBe(`/login?return_to=${encodeURIComponent(path)}`);
      expect(hrefOf(page.text, 'Create an account')).toBe(`/signup?return_to=${encodeURIComponent(path)}`);
    }
    // A group join code and a wrong one read the same: the page cannot be asked which codes work.
    const normal = (text: string) => text.replace(/return_to=[^"]+/g, 'return_to=…');
    expect(normal((await signedOut(`/join?code=${group.invitation_code}`)).text)).toBe(
      normal((await signedOut('/join?code=AAAAA-BBBBB-CCCCC')).text),
    );
  });

  it('says a used, cancelled or expired invitation cannot be used, without naming its group', async () => {
    const group = await buildGroup(db.knex, { name: 'Section 326' });
    const user = await buildUser(db.knex);
    const invitations = [
      await buildInvitation(db.knex, { group_id: group.id, accepted_at: new Date(), accepted_by_id: user.id }),
      await buildInvitation(db.knex, { group_id: group.id, cancelled_at: new Date() }),
      await buildInvitation(db.knex, { group_id: group.id, expires_at: inDays(-1) }),
    ];
    for (const invitation of invitations) {
      const page = await signedOut(`/join?code=${invitation.code}`);
      expect(page.text).toContain('This invitation link cannot be used');
      expect(page.text).not.toContain('Section 326');
    }
  });

  it('escapes a hostile group name, and looking changes nothing', async () => {
    const group = await buildGroup(db.knex, { name: '<script>alert(1)</script>' });
    const invitation = await buildInvitation(db.knex, { group_id: group.id });
    const page = await signedOut(`/join?code=${invitation.code}`);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).toContain('You are invited to join the group'); // made by no one we know
    expect(await db.knex('invitations').where({ id: invitation.id }).first('accepted_at', 'cancelled_at')).toEqual({
      accepted_at: null,
      cancelled_at: null,
    });
  });

  it('sends a signed-out POST to log in, and joins nothing', async () => {
    const invitation = await buildInvitation(db.knex);
    const res = await request(testApp(db.db)).post('/join').type('form').send({ code: invitation.code }).expect(303);
    expect(res.headers.location).toMatch(/^\/login\?return_to=/);
    expect(await db.knex('invitations').where({ id: invitation.id }).first('accepted_at')).toEqual({
      accepted_at: null,
    });
  });
});
