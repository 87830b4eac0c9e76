// Changing the email address (SPEC §7): signed in, password required; re-verified at the new
// address by a single-use 24-hour link; the old address is told when it is asked for and when it
// is done; a taken address gets the same reply and its owner is told instead; at most
// EMAIL_CHANGE_MAILS_PER_HOUR requests an hour. Mail goes to a real SMTP server.
import type { Express } from 'express';
import { useTestDatabase } from '../helpers/db';
import { testApp, testConfig } from '../helpers/app';
import { browser, csrfFrom } from '../helpers/browser';
import { useMailbox, type ReceivedMail } from '../helpers/smtp';
import { buildUser, FACTORY_PASSWORD } from '../factories';
import { createLink, findUsableLink } from '../../src/accounts/links';
import type { UserRow } from '../../src/users/users';

const db = useTestDatabase();
const mailbox = useMailbox(db);

const app = (env: NodeJS.ProcessEnv = {}) => testApp(db.db, { config: testConfig(env) });

async function signedIn(server: Express, user: UserRow) {
  const b = browser(server);
  expect((await b.login(user.email)).status).toBe(303);
  return b;
}

type Browser = Awaited<ReturnType<typeof signedIn>>;

/** Fills in /account/email (without the CSRF token if `csrf` is false). */
async function askToChange(b: Browser, newEmail: string, password = FACTORY_PASSWORD, { csrf = true } = {}) {
  const page = await b.agent.get('/account/email').expect(200);
  const form = { new_email: newEmail, current_password: password, ...(csrf ? { _csrf: csrfFrom(page.text) } : {}) };
  return b.agent.post('/account/email').set('Accept', 'text/html').type('form').send(form);
}

const mailTo = (messages: ReceivedMail[], address: string) => messages.filter((mail) => mail.to.includes(address));

/** The confirmation link mailed to `address`, as a local path. */
function confirmationPath(messages: ReceivedMail[], address: string): string {
  const mail = mailTo(messages, address).at(-1);
  const link = mail && /http:\/\/seatshare\.test\/confirm-email\?token=[^\s"<]+/.exec(mail.text)?.[0];
  if (!link) throw new Error(`no confirmation link mailed to ${address}`);
  expect(mail.html).toContain(`href="${link}"`);
  return link.replace('http://seatshare.test', '');
}

/** Opens the link in a browser (a new one unless given) and presses the button. */
async function confirm(server: Express, path: string, b = browser(server), { csrf = true } = {}) {
  const page = await b.agent.get(path).expect(200);
  const token = /name="token" value="([^"]+)"/.exec(page.text)![1]!;
  return b.agent
    .post('/confirm-email')
    .type('form')
    .send({ token, ...(csrf ? { _csrf: csrfFrom(page.text) } : {}) });
}

const emailOf = async (id: string) => (await db.knex('users').where({ id }).first()) as UserRow;

describe('asking to change the email address', () => {
  it('shows a labelled form to the signed-in user only, linked from the account navigation', async () => {
    const server = app();
    const anonymous = await browser(server).agent.get('/account/email');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/login?return_to=%2Faccount%2Femail');
    const user = await buildUser(db.knex, { email: 'ann@example.com' });
    const page = await (await signedIn(server, user)).agent.get('/account/email').expect(200);
    expect(page.text).toContain('<a href="/account/email">Email</a>');
    expect(page.text).toContain('Your email address is <strong>ann@example.com</strong> (verified)');
    for (const id of ['new_email', 'current_password']) expect(page.text).toContain(`<label for="${id}">`);
  });

  it('mails a link to the new address and tells the old one; nothing changes until the link is followed', async () => {
    const user = await buildUser(db.knex, { email: 'ann@example.com', first_name: 'Ann' });
    const res = await askToChange(await signedIn(app(), user), 'ann@new.example');
    expect(res.status).toBe(200);
    expect(res.text).toContain('We sent a confirmation link to ann@new.example.');
    expect((await emailOf(user.id)).email).toBe('ann@example.com');

    const messages = await mailbox.deliver();
    expect(messages).toHaveLength(2);
    const [toNew] = mailTo(messages, 'ann@new.example');
    expect(toNew!.subject).toBe('Confirm your new email address for SeatShare');
    expect(toNew!.text).toContain('Hello Ann,');
    confirmationPath(messages, 'ann@new.example');
    const [toOld] = mailTo(messages, 'ann@example.com');
    expect(toOld!.subject).toBe('A change of your SeatShare email address was requested');
    expect(toOld!.text).toContain('to change its email address to ann@new.example');
    expect(toOld!.text).toContain('http://seatshare.test/account/password');
  });

  it('answers a taken address exactly like a free one, and tells its owner instead of mailing a link', async () => {
    const holder = await buildUser(db.knex, { email: 'bob@example.com', first_name: 'Bob' });
    const server = app();
    const [freeAsker, takenAsker] = [
      await buildUser(db.knex, { first_name: 'Asker' }),
      await buildUser(db.knex, { first_name: 'Asker' }),
    ];
    const free = await askToChange(await signedIn(server, freeAsker), 'free@example.com');
    const taken = await askToChange(await signedIn(server, takenAsker), 'BOB@example.com');
    expect(taken.status).toBe(free.status);
    const mask = (html: string, address: string) =>
      html
        .replaceAll(address, 'ADDRESS')
        .replace(/value="[^"]+"/g, 'value=""')
        .replace(/[\w.-]+@example\.com/g, 'ME');
    expect(mask(taken.text, 'BOB@example.com')).toBe(mask(free.text, 'free@example.com'));

    const messages = await mailbox.deliver();
    // The asker reads their own mailbox: the same mail whether or not the address was free.
    const told = (asker: UserRow, address: string) =>
      mailTo(messages, asker.email).map((mail) =>
        mail.text.replaceAll(address, 'ADDRESS').replaceAll(asker.email, 'ME'),
      );
    expect(told(takenAsker, 'BOB@example.com')).toEqual(told(freeAsker, 'free@example.com'));
    expect(told(takenAsker, 'BOB@example.com')).toHaveLength(1);
    const toHolder = mailTo(messages, 'bob@example.com');
    expect(toHolder).toHaveLength(1);
    expect(toHolder[0]!.subject).toBe('Someone tried to use your address on SeatShare');
    expect(toHolder[0]!.text).not.toMatch(/token=/);
    expect((await emailOf(holder.id)).email).toBe('bob@example.com');
  });

  it('refuses a wrong password, a non-address and the current address (400), mailing nothing', async () => {
    const user = await buildUser(db.knex, { email: 'ann@example.com' });
    const b = await signedIn(app(), user);
    const wrong = await askToChange(b, 'ann@new.example', 'not my password');
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('is not your current password');
    const notAnAddress = await askToChange(b, 'ann at new');
    expect(notAnAddress.status).toBe(400);
    expect(notAnAddress.text).toContain('must be an email address');
    const same = await askToChange(b, 'ANN@example.com');
    expect(same.status).toBe(400);
    expect(same.text).toContain('is already your address');
    expect(await mailbox.deliver()).toEqual([]);
    expect(await db.knex('account_links').where({ user_id: user.id })).toEqual([]);
  });

  it('sends a signed-out visitor to the login page and changes nothing', async () => {
    const res = await browser(app()).agent.post('/account/email').type('form').send({ new_email: 'x@example.org' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/login/);
    expect(await db.knex('account_links')).toEqual([]);
  });

  it('answers an unverified account asking for a taken address like any other, mailing the holder only', async () => {
    await buildUser(db.knex, { email: 'holder@example.com' });
    const user = await buildUser(db.knex, { email: 'new@exmaple.com', email_verified_at: null });
    const res = await askToChange(await signedIn(app(), user), 'holder@example.com');
    expect(res.status).toBe(200);
    expect(res.text).toContain('We sent a confirmation link to holder@example.com.');
    expect((await mailbox.deliver()).map((mail) => [mail.to, mail.subject])).toEqual([
      [['holder@example.com'], 'Someone tried to use your address on SeatShare'],
    ]);
  });

  it('refuses a request without the CSRF token (403)', async () => {
    const user = await buildUser(db.knex);
    const res = await askToChange(await signedIn(app(), user), 'new@example.org', FACTORY_PASSWORD, { csrf: false });
    expect(res.status).toBe(403);
    expect(await mailbox.deliver()).toEqual([]);
  });

  it('takes EMAIL_CHANGE_MAILS_PER_HOUR requests an hour, taken addresses included, then a 429 page', async () => {
    await buildUser(db.knex, { email: 'taken@example.com' });
    const user = await buildUser(db.knex);
    const b = await signedIn(app(), user);
    for (const address of ['one@example.org', 'taken@example.com', 'three@example.org'])
      expect((await askToChange(b, address)).status).toBe(200);
    const refused = await askToChange(b, 'four@example.org');
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('You asked for 3 address changes in the last hour.');
    expect(mailTo(await mailbox.deliver(), 'four@example.org')).toEqual([]);
  });
});

describe('following the link', () => {
  it('changes the address, verified, tells the old one, and the new address signs in', async () => {
    const user = await buildUser(db.knex, { email: 'ann@example.com' });
    const server = app();
    const b = await signedIn(server, user);
    await askToChange(b, 'ann@new.example');
    const path = confirmationPath(await mailbox.deliver(), 'ann@new.example');
    mailbox.messages.length = 0;

    const done = await confirm(server, path, b);
    expect(done.status).toBe(200);
    expect(done.text).toContain('Your email address is now <strong>ann@new.example</strong>, and it is verified.');
    const after = await emailOf(user.id);
    expect(after.email).toBe('ann@new.example');
    expect(after.email_verified_at).not.toBeNull();
    expect((await b.agent.get('/account/email').expect(200)).text).toContain('<strong>ann@new.example</strong>');

    const [toOld, ...more] = await mailbox.deliver();
    expect(more).toEqual([]);
    expect(toOld).toMatchObject({ to: ['ann@example.com'], subject: 'Your SeatShare email address was changed' });
    expect(toOld!.text).toContain('changed from ann@example.com to ann@new.example');
    expect((await browser(server).login('ann@new.example')).status).toBe(303);
    expect((await browser(server).login('ann@example.com')).status).toBe(401);
  });

  it('does not spend the link on GET, and works from a browser that is not signed in', async () => {
    const user = await buildUser(db.knex);
    const server = app();
    await askToChange(await signedIn(server, user), 'moved@example.org');
    const path = confirmationPath(await mailbox.deliver(), 'moved@example.org');
    for (let i = 0; i < 3; i += 1) await browser(server).agent.get(path).expect(200);
    const done = await confirm(server, path);
    expect(done.status).toBe(200);
    expect(done.text).toContain('<a href="/login">Log in</a> with your new address.');
    expect((await emailOf(user.id)).email).toBe('moved@example.org');
  });

  it('refuses a used, expired, replaced, unknown or malformed link (400) and changes nothing', async () => {
    const user = await buildUser(db.knex, { email: 'ann@example.com' });
    const server = app();
    const b = await signedIn(server, user);
    await askToChange(b, 'first@example.org');
    const replaced = confirmationPath(await mailbox.deliver(), 'first@example.org');
    await askToChange(b, 'second@example.org');
    const newest = confirmationPath(await mailbox.deliver(), 'second@example.org');
    const refused = await browser(server).agent.get(replaced).expect(400);
    expect(refused.text).toContain('This confirmation link cannot be used');

    await db
      .knex('account_links')
      .where({ user_id: user.id })
      .update({ expires_at: new Date(Date.now() - 1000) });
    await browser(server).agent.get(newest).expect(400);
    for (const path of ['/confirm-email', '/confirm-email?token=ssl_x', '/confirm-email?token[a]=b'])
      await browser(server).agent.get(path).expect(400);
    expect((await emailOf(user.id)).email).toBe('ann@example.com');
  });

  it('refuses the token of another kind of link', async () => {
    const user = await buildUser(db.knex);
    const server = app();
    for (const purpose of ['reset_password', 'verify_email'] as const) {
      const token = await createLink(db.knex, { userId: user.id, purpose });
      await browser(server).agent.get(`/confirm-email?token=${token}`).expect(400);
      const b = browser(server);
      const form = await b.agent.get('/login');
      await b.agent
        .post('/confirm-email')
        .type('form')
        .send({ _csrf: csrfFrom(form.text), token })
        .expect(400);
      expect(await findUsableLink(db.knex, token, purpose)).toBeDefined();
    }
  });

  it('refuses a second use of the link', async () => {
    const user = await buildUser(db.knex);
    const server = app();
    await askToChange(await signedIn(server, user), 'once@example.org');
    const path = confirmationPath(await mailbox.deliver(), 'once@example.org');
    const b = browser(server);
    const page = await b.agent.get(path).expect(200);
    const form = { _csrf: csrfFrom(page.text), token: /name="token" value="([^"]+)"/.exec(page.text)![1]! };
    await b.agent.post('/confirm-email').type('form').send(form).expect(200);
    const again = await b.agent.post('/confirm-email').type('form').send(form).expect(400);
    expect(again.text).toContain('This confirmation link cannot be used');
  });

  it('refuses a confirmation without the CSRF token (403) and leaves the link unspent', async () => {
    const user = await buildUser(db.knex);
    const server = app();
    await askToChange(await signedIn(server, user), 'csrf@example.org');
    const path = confirmationPath(await mailbox.deliver(), 'csrf@example.org');
    expect((await confirm(server, path, browser(server), { csrf: false })).status).toBe(403);
    expect((await db.knex('account_links').where({ user_id: user.id }).first()).used_at).toBeNull();
  });

  it('says so (409) when the address was taken by another account meanwhile', async () => {
    const user = await buildUser(db.knex, { email: 'ann@example.com' });
    const server = app();
    await askToChange(await signedIn(server, user), 'race@example.org');
    const path = confirmationPath(await mailbox.deliver(), 'race@example.org');
    await buildUser(db.knex, { email: 'Race@example.org' });
    const res = await confirm(server, path);
    expect(res.status).toBe(409);
    expect(res.text).toContain('That address now belongs to another SeatShare account');
    expect((await emailOf(user.id)).email).toBe('ann@example.com');
  });

  it('is stopped by a password change, and ends the links sent to the old address', async () => {
    const user = await buildUser(db.knex);
    const server = app();
    const b = await signedIn(server, user);
    await askToChange(b, 'hijack@example.org');
    const path = confirmationPath(await mailbox.deliver(), 'hijack@example.org');
    const page = await b.agent.get('/account/password').expect(200);
    const change = { current_password: FACTORY_PASSWORD, new_password: 'a new one!', confirm_password: 'a new one!' };
    await b.agent
      .post('/account/password')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...change })
      .expect(200);
    await browser(server).agent.get(path).expect(400);

    const other = await buildUser(db.knex);
    const reset = await createLink(db.knex, { userId: other.id, purpose: 'reset_password' });
    await askToChange(await signedIn(server, other), 'other@example.org');
    await confirm(server, confirmationPath(await mailbox.deliver(), 'other@example.org'));
    expect(await findUsableLink(db.knex, reset, 'reset_password')).toBeUndefined();
  });

  it('lets an account never verified fix its address: verified by the link, the old address never mailed', async () => {
    const user = await buildUser(db.knex, { email: 'typo@exmaple.com', email_verified_at: null });
    const verify = await createLink(db.knex, { userId: user.id, purpose: 'verify_email' });
    const server = app();
    await askToChange(await signedIn(server, user), 'fixed@example.com');
    const messages = await mailbox.deliver();
    expect(mailTo(messages, 'typo@exmaple.com')).toEqual([]);
    await confirm(server, confirmationPath(messages, 'fixed@example.com'));
    expect(mailTo(await mailbox.deliver(), 'typo@exmaple.com')).toEqual([]);
    const after = await emailOf(user.id);
    expect(after).toMatchObject({ email: 'fixed@example.com', email_verified_at: expect.any(Date) });
    expect(await findUsableLink(db.knex, verify, 'verify_email')).toBeUndefined();
  });
});
