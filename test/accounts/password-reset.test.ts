// Password reset by mailed link (SPEC §7): single-use, 1 hour, the same reply whether or not
// the account exists, limited per IP and per address; using it signs out every session and
// tells the owner by mail. Mail goes to a real SMTP server.
import type { Express } from 'express';
import { useTestDatabase } from '../helpers/db';
import { testApp, testConfig } from '../helpers/app';
import { browser, csrfFrom } from '../helpers/browser';
import { useMailbox } from '../helpers/smtp';
import { buildPersonalToken, buildUser, FACTORY_PASSWORD } from '../factories';
import { createLink, findUsableLink, revokeLinks, spendLink } from '../../src/accounts/links';
import { backendPid, started, waitUntilWaitingOnLock } from '../helpers/locks';
import { verifyPassword } from '../../src/security/passwords';

const db = useTestDatabase();
const NEW_PASSWORD = 'a brand new passphrase';

const mailbox = useMailbox(db);

const app = (env: NodeJS.ProcessEnv = {}) => testApp(db.db, { config: testConfig({ TRUST_PROXY: 'true', ...env }) });
const deliver = () => mailbox.deliver();

/** Fills in /forgot-password as a browser would. */
async function askForLink(server: Express, email: string, ip = '198.51.100.1') {
  const agent = browser(server).agent;
  const page = await agent.get('/forgot-password').expect(200);
  return agent
    .post('/forgot-password')
    .set('X-Forwarded-For', ip)
    .set('Accept', 'text/html')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email });
}

/** The reset link of the newest message delivered, as a local path. */
async function mailedLink(): Promise<string> {
  await deliver();
  const message = mailbox.messages.at(-1)!;
  const link = /http:\/\/seatshare\.test\/reset-password\?token=[^\s"<]+/.exec(message.text)?.[0];
  if (!link) throw new Error(`no reset link in:\n${message.text}`);
  return link.replace('http://seatshare.test', '');
}

/** Opens the link in a browser (a new one unless given): the browser and the form's hidden fields. */
async function openResetForm(server: Express, path: string, b = browser(server)) {
  const page = await b.agent.get(path).expect(200);
  return { b, csrf: csrfFrom(page.text), token: /name="token" value="([^"]+)"/.exec(page.text)![1]! };
}

const newPasswords = (password = NEW_PASSWORD, confirm = password) => ({
  new_password: password,
  confirm_password: confirm,
});

/** Opens the link in a browser and submits the form; resolves to the POST's response. */
async function resetWith(server: Express, path: string, password = NEW_PASSWORD, confirm = password) {
  const { b, csrf, token } = await openResetForm(server, path);
  return b.agent
    .post('/reset-password')
    .type('form')
    .send({ _csrf: csrf, token, ...newPasswords(password, confirm) });
}

const hashOf = async (userId: string) => (await db.knex('users').where({ id: userId }).first()).password_hash as string;

describe('asking for a reset link', () => {
  it('is offered on the login page', async () => {
    const page = await browser(app()).agent.get('/login').expect(200);
    expect(page.text).toContain('<a href="/forgot-password">Forgot your password?</a>');
    const form = await browser(app()).agent.get('/forgot-password').expect(200);
    expect(form.text).toContain('<label for="email">');
  });

  it('mails the account a link that opens the new-password form', async () => {
    const user = await buildUser(db.knex, { email: 'ann@example.com', first_name: 'Ann' });
    const reply = await askForLink(app(), 'ANN@example.com ');
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('If an account exists for <strong>ANN@example.com</strong>, we sent a link');

    const path = await mailedLink();
    expect(mailbox.messages).toHaveLength(1);
    expect(mailbox.messages[0]).toMatchObject({ to: [user.email], subject: 'Reset your SeatShare password' });
    expect(mailbox.messages[0]!.text).toContain('Hello Ann,');
    expect(mailbox.messages[0]!.html).toContain(`href="http://seatshare.test${path}"`);
    const link = await db.knex('account_links').where({ user_id: user.id }).first();
    expect(link).toMatchObject({ purpose: 'reset_password', used_at: null });
    const lifetime = link.expires_at.getTime() - link.created_at.getTime();
    expect(lifetime).toBeGreaterThan(59 * 60 * 1000);
    expect(lifetime).toBeLessThanOrEqual(60 * 60 * 1000 + 1000);

    const form = await browser(app()).agent.get(path).expect(200);
    expect(form.text).toContain('Choose a new password for <strong>ann@example.com</strong>');
    expect(form.headers['cache-control']).toBe('no-store');
  });

  it('answers an unknown address with the same page, and mails nothing', async () => {
    await buildUser(db.knex, { email: 'known@example.com' });
    const known = await askForLink(app(), 'known@example.com');
    const unknown = await askForLink(app(), 'nobody@example.com');
    expect(unknown.status).toBe(known.status);
    expect(unknown.text.replace('nobody@example.com', 'X')).toBe(known.text.replace('known@example.com', 'X'));
    await deliver();
    expect(mailbox.messages.map((m) => m.to)).toEqual([['known@example.com']]);
    expect(Number((await db.knex('account_links').count({ n: '*' }).first())!.n)).toBe(1);
  });

  it('refuses what is not an email address, with the form again', async () => {
    const reply = await askForLink(app(), 'not an address');
    expect(reply.status).toBe(400);
    expect(reply.text).toContain('must be an email address');
    expect(reply.text).toContain('value="not an address"');
  });

  it('refuses a request without the CSRF token (403) and sends nothing', async () => {
    await buildUser(db.knex, { email: 'ann@example.com' });
    const agent = browser(app()).agent;
    await agent.get('/forgot-password').expect(200);
    await agent.post('/forgot-password').type('form').send({ email: 'ann@example.com' }).expect(403);
    await deliver();
    expect(mailbox.messages).toEqual([]);
    expect(await db.knex('account_links').first()).toBeUndefined();
  });

  it('replaces an earlier link: only the newest works', async () => {
    await buildUser(db.knex, { email: 'ann@example.com' });
    const server = app();
    await askForLink(server, 'ann@example.com');
    const first = await mailedLink();
    await askForLink(server, 'ann@example.com');
    const second = await mailedLink();
    expect(second).not.toBe(first);
    await browser(server).agent.get(first).expect(400);
    await browser(server).agent.get(second).expect(200);
  });
});

describe('resetting with the link', () => {
  it('sets the new password, signs out every session, keeps tokens and tells the owner', async () => {
    const user = await buildUser(db.knex, { email: 'ann@example.com', first_name: 'Ann' });
    const token = await buildPersonalToken(db.knex, { user_id: user.id });
    const server = app();
    const elsewhere = browser(server);
    expect((await elsewhere.login(user.email)).status).toBe(303);
    const here = browser(server); // the browser doing the reset is signed in too
    expect((await here.login(user.email)).status).toBe(303);

    await askForLink(server, user.email);
    const path = await mailedLink();
    const { csrf, token: linkToken } = await openResetForm(server, path, here);
    const done = await here.agent
      .post('/reset-password')
      .type('form')
      .send({ _csrf: csrf, token: linkToken, ...newPasswords() });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Your password is reset');
    expect(done.text).toContain('<a href="/login">Log in</a>');
    expect(done.text).not.toContain('Log out'); // this browser is signed out at once, not from the next request

    expect(await verifyPassword(await hashOf(user.id), NEW_PASSWORD)).toBe(true);
    expect(await db.knex('sessions').where({ user_id: user.id })).toEqual([]);
    for (const b of [elsewhere, here]) {
      const account = await b.agent.get('/account/authorizations');
      expect(account.status).toBe(303);
      expect(account.headers.location).toMatch(/^\/login/);
    }
    expect((await browser(server).login(user.email, FACTORY_PASSWORD)).status).toBe(401);
    expect((await browser(server).login(user.email, NEW_PASSWORD)).status).toBe(303);
    expect(await db.knex('personal_tokens').where({ id: token.id }).first()).toBeDefined();

    await deliver();
    const notice = mailbox.messages.at(-1)!;
    expect(notice).toMatchObject({ to: [user.email], subject: 'Your SeatShare password was changed' });
    expect(notice.text).toContain('reset with a link we emailed');
    expect(notice.text).toContain('http://seatshare.test/account/tokens');
    expect(notice.text).toContain('http://seatshare.test/account/authorizations');
    expect(notice.html).toContain('href="http://seatshare.test/account/tokens"');
  });

  it('verifies the address of an account that had not verified it: the link came to that mailbox', async () => {
    const user = await buildUser(db.knex, { email_verified_at: null });
    const server = app();
    await askForLink(server, user.email);
    expect((await resetWith(server, await mailedLink())).status).toBe(200);
    const after = await db.knex('users').where({ id: user.id }).first();
    expect(after.email_verified_at).toBeInstanceOf(Date);
  });

  it('ends a pending email change: a hijacker who asked for one loses it with the password', async () => {
    const user = await buildUser(db.knex);
    const change = await createLink(db.knex, {
      userId: user.id,
      purpose: 'change_email',
      newEmail: 'thief@example.org',
    });
    const server = app();
    await askForLink(server, user.email);
    expect((await resetWith(server, await mailedLink())).status).toBe(200);
    expect(await findUsableLink(db.knex, change, 'change_email')).toBeUndefined();
  });

  it('does not spend the link on GET (mail scanners fetch links)', async () => {
    const user = await buildUser(db.knex);
    const server = app();
    await askForLink(server, user.email);
    const path = await mailedLink();
    for (let i = 0; i < 3; i += 1) await browser(server).agent.get(path).expect(200);
    expect((await db.knex('account_links').where({ user_id: user.id }).first()).used_at).toBeNull();
    expect((await resetWith(server, path)).status).toBe(200);
  });

  it('refuses a used link, on GET and on POST, and keeps the password set with it', async () => {
    const user = await buildUser(db.knex);
    const server = app();
    await askForLink(server, user.email);
    const path = await mailedLink();
    const { b, csrf, token } = await openResetForm(server, path);
    await b.agent
      .post('/reset-password')
      .type('form')
      .send({ _csrf: csrf, token, ...newPasswords() })
      .expect(200);

    const again = await browser(server).agent.get(path).expect(400);
    expect(again.text).toContain('This password-reset link cannot be used');
    expect(again.text).toContain('<a href="/forgot-password">Ask for a new link</a>');
    const other = browser(server);
    const fresh = await other.agent.get('/forgot-password').expect(200);
    const second = { token, _csrf: csrfFrom(fresh.text), ...newPasswords('another one!') };
    await other.agent.post('/reset-password').type('form').send(second).expect(400);
    expect(await verifyPassword(await hashOf(user.id), NEW_PASSWORD)).toBe(true);
  });

  it('refuses an expired link, and takes one about to expire', async () => {
    const user = await buildUser(db.knex);
    const server = app();
    await askForLink(server, user.email);
    const path = await mailedLink();
    const links = () => db.knex('account_links').where({ user_id: user.id });
    await links().update({ expires_at: db.knex.raw("now() + interval '1 minute'") });
    const { b, csrf, token } = await openResetForm(server, path);
    await links().update({ expires_at: db.knex.raw("now() - interval '1 second'") });
    await browser(server).agent.get(path).expect(400);

    const post = { _csrf: csrf, token, ...newPasswords() };
    const refused = await b.agent.post('/reset-password').type('form').send(post).expect(400);
    expect(refused.text).toContain('cannot be used');
    expect(await verifyPassword(await hashOf(user.id), FACTORY_PASSWORD)).toBe(true);
  });

  it('refuses a missing, unknown or malformed token', async () => {
    const server = app();
    for (const path of ['/reset-password', '/reset-password?token=ssl_unknown', '/reset-password?token[a]=b'])
      expect((await browser(server).agent.get(path)).status).toBe(400);
  });

  it('refuses a short or mistyped password, and the link still works', async () => {
    const user = await buildUser(db.knex);
    const server = app();
    await askForLink(server, user.email);
    const path = await mailedLink();
    const short = await resetWith(server, path, 'short');
    expect(short.status).toBe(400);
    expect(short.text).toContain('must be at least 8 characters');
    const mistyped = await resetWith(server, path, NEW_PASSWORD, `${NEW_PASSWORD}!`);
    expect(mistyped.status).toBe(400);
    expect(mistyped.text).toContain('does not match the new password');
    expect(await verifyPassword(await hashOf(user.id), FACTORY_PASSWORD)).toBe(true);
    expect((await resetWith(server, path)).status).toBe(200);
  });

  it('refuses a submission without the CSRF token (403) and leaves the link unspent', async () => {
    const user = await buildUser(db.knex);
    const server = app();
    await askForLink(server, user.email);
    const path = await mailedLink();
    const { b, token } = await openResetForm(server, path);
    await b.agent
      .post('/reset-password')
      .type('form')
      .send({ token, ...newPasswords() })
      .expect(403);
    expect(await verifyPassword(await hashOf(user.id), FACTORY_PASSWORD)).toBe(true);
    expect((await db.knex('account_links').where({ user_id: user.id }).first()).used_at).toBeNull();
  });
});

describe('rate limits of reset requests', () => {
  it('takes RATE_LIMIT_RESET_PER_IP requests from one IP an hour, then a 429 page', async () => {
    const server = app({ RATE_LIMIT_RESET_PER_IP: '2' });
    expect((await askForLink(server, 'a@example.com', '203.0.113.1')).status).toBe(200);
    expect((await askForLink(server, 'b@example.com', '203.0.113.1')).status).toBe(200);
    const refused = await askForLink(server, 'c@example.com', '203.0.113.1');
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await askForLink(server, 'c@example.com', '203.0.113.2')).status).toBe(200); // another IP
  });

  it('mails an address RATE_LIMIT_RESET_PER_ACCOUNT times an hour, answering the same beyond it', async () => {
    const user = await buildUser(db.knex, { email: 'ann@example.com' });
    const other = await buildUser(db.knex, { email: 'bea@example.com' });
    const server = app({ RATE_LIMIT_RESET_PER_ACCOUNT: '2' });
    const replies = [];
    for (const [i, email] of ['ann@example.com', 'ANN@example.com', 'ann@example.com'].entries())
      replies.push(await askForLink(server, email, `203.0.113.${10 + i}`)); // from anywhere: the address's budget
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(replies[2]!.text).toBe(replies[0]!.text);
    for (const header of ['ratelimit-limit', 'ratelimit-remaining', 'retry-after'])
      // only the IP's
      expect(replies[2]!.headers[header]).toBe(replies[0]!.headers[header]);
    expect((await askForLink(server, other.email, '203.0.113.10')).status).toBe(200);
    await deliver();
    expect(mailbox.messages.map((m) => m.to[0])).toEqual([user.email, user.email, other.email]);

    // An address without an account meets the same limit, so the limit tells nothing either.
    const ghosts = [];
    for (let i = 0; i < 3; i += 1) ghosts.push(await askForLink(server, 'ghost@example.com', '203.0.113.20'));
    expect(ghosts.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(ghosts[2]!.text).toBe(ghosts[0]!.text);
  });
});

// Two connections at once: PGlite has one, so this runs in the PostgreSQL pass.
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
onPostgres('a reset racing an email change being confirmed (PostgreSQL)', () => {
  it("queues behind the user's row instead of deadlocking, then finds its link ended", async () => {
    const user = await buildUser(db.knex);
    const change = await createLink(db.knex, { userId: user.id, purpose: 'change_email', newEmail: 'new@example.org' });
    const server = app();
    await askForLink(server, user.email);
    const { b, csrf, token } = await openResetForm(server, await mailedLink());

    // The confirmation holds the user's row (spendLink locks it first) and will end the reset links.
    const holder = await db.knex.transaction();
    expect(await spendLink(holder, change, 'change_email')).toBeDefined();
    const reset = started(
      b.agent
        .post('/reset-password')
        .type('form')
        .send({ _csrf: csrf, token, ...newPasswords() }),
    );
    try {
      await waitUntilWaitingOnLock(db.knex, { blockedBy: await backendPid(holder), finished: () => reset.done });
      await revokeLinks(holder, user.id, 'reset_password'); // would wait on the reset's link row in the other order
    } finally {
      await holder.commit();
    }
    const res = await reset.result;
    expect(res.status).toBe(400);
    expect(res.text).toContain('cannot be used');
    expect(await verifyPassword(await hashOf(user.id), FACTORY_PASSWORD)).toBe(true);
  });
});
