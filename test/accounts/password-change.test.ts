// Password change, signed in (SPEC §7): the current password is required, the other sessions
// are signed out (this one stays), the owner is told by mail; wrong current passwords are
// rate-limited like failed logins.
import type { Express } from 'express';
import { useTestDatabase } from '../helpers/db';
import { testApp, testConfig } from '../helpers/app';
import { browser, csrfFrom } from '../helpers/browser';
import { useMailbox } from '../helpers/smtp';
import { buildUser, FACTORY_PASSWORD } from '../factories';
import { createLink, findUsableLink } from '../../src/accounts/links';
import { verifyPassword } from '../../src/security/passwords';
import type { UserRow } from '../../src/users/users';

const db = useTestDatabase();
const NEW_PASSWORD = 'a brand new passphrase';

const mailbox = useMailbox(db);

const app = (env: NodeJS.ProcessEnv = {}) => testApp(db.db, { config: testConfig(env) });
const deliver = () => mailbox.deliver();
const hashOf = async (userId: string) => (await db.knex('users').where({ id: userId }).first()).password_hash as string;

async function signedIn(server: Express, user: UserRow) {
  const b = browser(server);
  expect((await b.login(user.email)).status).toBe(303);
  return b;
}

type Browser = Awaited<ReturnType<typeof signedIn>>;

/** Opens /account/password and submits the form (without its CSRF token if `csrf` is false). */
async function change(b: Browser, fields: Record<string, string>, { csrf = true } = {}) {
  const page = await b.agent.get('/account/password').expect(200);
  const form = csrf ? { _csrf: csrfFrom(page.text), ...fields } : fields;
  return b.agent.post('/account/password').set('Accept', 'text/html').type('form').send(form);
}

const fields = (current: string, next = NEW_PASSWORD, confirm = next) => ({
  current_password: current,
  new_password: next,
  confirm_password: confirm,
});

const isSignedIn = async (b: Browser) => (await b.agent.get('/account/authorizations')).status === 200;

describe('changing the password', () => {
  it('shows a labelled form to the signed-in user only', async () => {
    const user = await buildUser(db.knex);
    const server = app();
    const anonymous = await browser(server).agent.get('/account/password');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/login?return_to=%2Faccount%2Fpassword');
    const page = await (await signedIn(server, user)).agent.get('/account/password').expect(200);
    for (const id of ['current_password', 'new_password', 'confirm_password'])
      expect(page.text).toContain(`<label for="${id}">`);
  });

  it('sets the new password, signs out the other sessions, keeps this one and tells the owner', async () => {
    const user = await buildUser(db.knex, { first_name: 'Ann' });
    const server = app();
    const elsewhere = await signedIn(server, user);
    const here = await signedIn(server, user);
    const bystander = await signedIn(server, await buildUser(db.knex));

    const res = await change(here, fields(FACTORY_PASSWORD));
    expect(res.status).toBe(200);
    expect(res.text).toContain('Password changed. Your other sessions were signed out.');
    expect(await verifyPassword(await hashOf(user.id), NEW_PASSWORD)).toBe(true);
    expect(await isSignedIn(here)).toBe(true);
    expect(await isSignedIn(elsewhere)).toBe(false);
    expect(await isSignedIn(bystander)).toBe(true);
    expect(await db.knex('sessions').where({ user_id: user.id })).toHaveLength(1);
    expect((await browser(server).login(user.email, NEW_PASSWORD)).status).toBe(303);

    await deliver();
    expect(mailbox.messages).toHaveLength(1);
    const mail = mailbox.messages[0]!;
    expect(mail).toMatchObject({ to: [user.email], subject: 'Your SeatShare password was changed' });
    expect(mail.text).toContain('Hello Ann,');
    expect(mail.text).toContain('changed on your account page');
    expect(mail.text).toContain('http://seatshare.test/account/tokens');
    expect(mail.text).toContain('http://seatshare.test/account/authorizations');
  });

  it('ends a reset link asked for earlier', async () => {
    const user = await buildUser(db.knex);
    const token = await createLink(db.knex, { userId: user.id, purpose: 'reset_password' });
    expect((await change(await signedIn(app(), user), fields(FACTORY_PASSWORD))).status).toBe(200);
    expect(await findUsableLink(db.knex, token, 'reset_password')).toBeUndefined();
  });

  it('lets an unverified account change its password', async () => {
    const user = await buildUser(db.knex, { email_verified_at: null });
    expect((await change(await signedIn(app(), user), fields(FACTORY_PASSWORD))).status).toBe(200);
    expect(await verifyPassword(await hashOf(user.id), NEW_PASSWORD)).toBe(true);
  });

  it('refuses a wrong or missing current password: nothing changes, nobody is signed out, no mail', async () => {
    const user = await buildUser(db.knex);
    const server = app();
    const elsewhere = await signedIn(server, user);
    const here = await signedIn(server, user);
    for (const current of ['not my password', '']) {
      const res = await change(here, fields(current));
      expect(res.status).toBe(400);
      expect(res.text).toContain('is not your current password');
    }
    expect(await verifyPassword(await hashOf(user.id), FACTORY_PASSWORD)).toBe(true);
    expect(await isSignedIn(elsewhere)).toBe(true);
    await deliver();
    expect(mailbox.messages).toEqual([]);
  });

  it('refuses a new password that is short or typed differently twice', async () => {
    const user = await buildUser(db.knex);
    const here = await signedIn(app(), user);
    const short = await change(here, fields(FACTORY_PASSWORD, 'short'));
    expect(short.status).toBe(400);
    expect(short.text).toContain('must be at least 8 characters');
    const mistyped = await change(here, fields(FACTORY_PASSWORD, NEW_PASSWORD, `${NEW_PASSWORD}!`));
    expect(mistyped.status).toBe(400);
    expect(mistyped.text).toContain('does not match the new password');
    expect(await verifyPassword(await hashOf(user.id), FACTORY_PASSWORD)).toBe(true);
  });

  it('refuses a submission without the CSRF token (403)', async () => {
    const user = await buildUser(db.knex);
    const here = await signedIn(app(), user);
    expect((await change(here, fields(FACTORY_PASSWORD), { csrf: false })).status).toBe(403);
    expect(await verifyPassword(await hashOf(user.id), FACTORY_PASSWORD)).toBe(true);
  });

  it('limits wrong current passwords per account like failed logins; right ones do not count', async () => {
    const user = await buildUser(db.knex);
    const here = await signedIn(app({ RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: '2' }), user);
    let current = FACTORY_PASSWORD;
    for (const next of ['first new password', 'second new password', 'third new password']) {
      expect((await change(here, fields(current, next))).status).toBe(200);
      current = next;
    }
    expect((await change(here, fields('wrong one', NEW_PASSWORD))).status).toBe(400);
    expect((await change(here, fields('wrong two', NEW_PASSWORD))).status).toBe(400);
    const limited = await change(here, fields(current, NEW_PASSWORD));
    expect(limited.status).toBe(429);
    expect(limited.text).toContain('Too many attempts');
    expect(await verifyPassword(await hashOf(user.id), current)).toBe(true);
  });
});
