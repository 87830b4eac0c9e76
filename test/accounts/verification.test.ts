// Email verification (SPEC §7): sign-up looks the same whether or not the address is taken, the
// mailed link verifies once (its GET shows a button and spends nothing), and a new link can be
// asked for a limited number of times an hour. Mail goes through a real SMTP server.
import { useTestDatabase } from '../helpers/db';
import { testApp } from '../helpers/app';
import { browser, csrfFrom } from '../helpers/browser';
import { useMailbox, type ReceivedMail } from '../helpers/smtp';
import { buildUser } from '../factories';
import { VERIFICATION_MAILS_PER_HOUR } from '../../src/accounts/verification';

const db = useTestDatabase();
const BASE = 'http://seatshare.test';

const mailbox = useMailbox(db);

/** Sends what the outbox holds; resolves to the messages received by then. */
function delivered(): Promise<ReceivedMail[]> {
  return mailbox.deliver();
}

/** The verification link in a message's text body, as a local path. */
function linkIn(mail: ReceivedMail | undefined): string {
  const match = /http:\/\/seatshare\.test(\/verify-email\?\S+)/.exec(mail?.text ?? '');
  if (!match) throw new Error(`no verification link in: ${mail?.text}`);
  return match[1]!;
}

const form = (email: string) => ({ email, password: 'a long password', first_name: 'New', last_name: 'User' });
const userByEmail = (email: string) => db.knex('users').whereRaw('lower(email) = lower(?)', [email]).first();
const normalised = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value="…"');

describe('sign-up', () => {
  it('answers a taken address exactly as a fresh one, and mails its owner instead', async () => {
    const owner = await buildUser(db.knex, { email: 'taken@example.com', first_name: 'Olive' });
    const app = testApp(db.db);
    const fresh = await browser(app).submit('/signup', '/signup', form('fresh@example.com'));
    const taken = await browser(app).submit('/signup', '/signup', form('taken@example.com'));

    expect(taken.status).toBe(fresh.status);
    expect(fresh.status).toBe(200);
    expect(normalised(taken.text).replace('taken@', 'fresh@')).toBe(normalised(fresh.text));
    expect(fresh.text).toContain('We sent a message to <strong>fresh@example.com</strong>');

    expect(await db.knex('users').whereRaw('lower(email) = ?', ['taken@example.com'])).toHaveLength(1);
    expect((await userByEmail('fresh@example.com')).email_verified_at).toBeNull();

    const mails = await delivered();
    expect(mails.map((m) => [m.to, m.subject]).sort()).toEqual([
      [['fresh@example.com'], 'Verify your email address for SeatShare'],
      [[owner.email], 'Someone tried to sign up with your address'],
    ]);
    const attempt = mails.find((m) => m.to[0] === owner.email)!;
    expect(attempt.text).toContain('Hello Olive,');
    expect(attempt.text).toContain(`${BASE}/login`);
    expect(attempt.text).toContain(`${BASE}/forgot-password`);
    expect(attempt.text).not.toContain('verify-email');
  });

  it('signs nobody in, in either case', async () => {
    await buildUser(db.knex, { email: 'taken@example.com' });
    for (const email of ['fresh@example.com', 'taken@example.com']) {
      const b = browser(testApp(db.db));
      expect((await b.submit('/signup', '/signup', form(email))).status).toBe(200);
      const account = await b.agent.get('/account/authorizations');
      expect(account.status).toBe(303);
      expect(account.headers.location).toMatch(/^\/login/);
    }
  });

  it('shows field errors with 400, but never that an address is taken', async () => {
    await buildUser(db.knex, { email: 'taken@example.com' });
    const res = await browser(testApp(db.db)).submit('/signup', '/signup', {
      ...form('TAKEN@example.com'),
      password: 'short',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('must be at least 8 characters');
    expect(res.text).not.toContain('already taken');
    expect(await delivered()).toEqual([]);
  });
});

describe('the verification link', () => {
  async function signedUp(email = 'casey@example.com') {
    const app = testApp(db.db);
    await browser(app).submit('/signup', '/signup', form(email));
    const [mail] = await delivered();
    return { app, link: linkIn(mail), user: await userByEmail(email) };
  }

  it('verifies the address from the mailed link, then the person logs in and mints a token', async () => {
    const { app, link, user } = await signedUp();
    const b = browser(app);
    const page = await b.agent.get(link).expect(200);
    expect(page.text).toContain('Verify my email');
    expect(page.headers['cache-control']).toBe('no-store');
    const done = await b.agent
      .post('/verify-email')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), token: new URL(link, BASE).searchParams.get('token') });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Your email is verified.');
    expect(done.text).toContain('href="/login?return_to=');
    expect((await userByEmail(user.email)).email_verified_at).toBeInstanceOf(Date);

    expect((await b.login(user.email, 'a long password')).status).toBe(303);
    const tokens = await b.submit('/account/tokens', '/account/tokens', { name: 'laptop', expires_in_days: '30' });
    expect(tokens.status).toBe(200);
    expect(tokens.text).toContain('Token created.');
    expect(tokens.text).not.toContain('is not verified yet');
  });

  it('does not spend the link on GET (mail scanners fetch links)', async () => {
    const { app, link, user } = await signedUp();
    await browser(app).agent.get(link).expect(200);
    await browser(app).agent.get(link).expect(200);
    expect((await userByEmail(user.email)).email_verified_at).toBeNull();
    expect(await db.knex('account_links').where({ user_id: user.id }).whereNotNull('used_at')).toEqual([]);
  });

  it('refuses a link used once already', async () => {
    const { app, link } = await signedUp();
    const b = browser(app);
    const page = await b.agent.get(link).expect(200); // e.g. open in two tabs, pressed in both
    const press = () =>
      b.agent
        .post('/verify-email')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), token: tokenOf(link) });
    expect((await press()).status).toBe(200);
    const again = await press();
    expect(again.status).toBe(400);
    expect(again.text).toContain('This verification link cannot be used');
    expect((await b.agent.get(link)).status).toBe(400);
  });

  it('refuses an expired link and says how to get a new one', async () => {
    const { app, link, user } = await signedUp();
    const b = browser(app);
    const page = await b.agent.get(link).expect(200);
    await db
      .knex('account_links')
      .where({ user_id: user.id })
      .update({ expires_at: db.knex.raw("now() - interval '1 second'") });
    const refused = await b.agent
      .post('/verify-email')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), token: tokenOf(link) });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('it has expired');
    expect(refused.text).toContain('href="/account/verification"');
    expect((await b.agent.get(link)).status).toBe(400);
    expect((await userByEmail(user.email)).email_verified_at).toBeNull();
  });

  it('refuses an unknown token', async () => {
    const b = browser(testApp(db.db));
    expect((await b.agent.get('/verify-email?token=ssl_nothing')).status).toBe(400);
    expect((await b.agent.get('/verify-email')).status).toBe(400);
    expect((await b.submit('/signup', '/verify-email', { token: 'ssl_nothing' })).status).toBe(400);
  });

  it('refuses a POST without the CSRF token, and spends nothing', async () => {
    const { app, link, user } = await signedUp();
    const b = browser(app);
    await b.agent.get(link).expect(200);
    await b.agent
      .post('/verify-email')
      .type('form')
      .send({ token: tokenOf(link) })
      .expect(403);
    expect((await userByEmail(user.email)).email_verified_at).toBeNull();
  });
});

const tokenOf = (link: string) => new URL(link, BASE).searchParams.get('token')!;

describe('asking for a new link', () => {
  it('shows an unverified user a notice with a resend button, and mails a link that replaces the old one', async () => {
    const app = testApp(db.db);
    await browser(app).submit('/signup', '/signup', form('casey@example.com'));
    const [first] = await delivered();
    const b = browser(app);
    await b.login('casey@example.com', 'a long password');
    for (const page of ['/account/authorizations', '/account/tokens', '/account/verification']) {
      const res = await b.agent.get(page).expect(200);
      expect(res.text).toContain('is not verified yet');
      expect(res.text).toContain('Resend verification email');
    }

    const resent = await b.submit('/account/verification', '/account/verification', {});
    expect(resent.status).toBe(200);
    expect(resent.text).toContain('We sent a new verification link to casey@example.com');
    const second = (await delivered())[1];
    expect(second?.to).toEqual(['casey@example.com']);
    expect(linkIn(second)).not.toBe(linkIn(first));
    expect((await b.agent.get(linkIn(first))).status).toBe(400); // replaced
    expect((await b.submit(linkIn(second), '/verify-email', { token: tokenOf(linkIn(second)) })).status).toBe(200);
    const verified = await b.agent.get('/account/authorizations').expect(200);
    expect(verified.text).not.toContain('is not verified yet');
  });

  it(`sends at most ${VERIFICATION_MAILS_PER_HOUR} links an hour (sign-up's included), then says so`, async () => {
    const app = testApp(db.db);
    await browser(app).submit('/signup', '/signup', form('casey@example.com'));
    const b = browser(app);
    await b.login('casey@example.com', 'a long password');
    for (let i = 1; i < VERIFICATION_MAILS_PER_HOUR; i += 1)
      expect((await b.submit('/account/verification', '/account/verification', {})).status).toBe(200);
    const refused = await b.submit('/account/verification', '/account/verification', {});
    expect(refused.status).toBe(429);
    expect(refused.text).toContain(
      `We already sent ${VERIFICATION_MAILS_PER_HOUR} verification emails in the last hour`,
    );
    expect(await db.knex('account_links')).toHaveLength(VERIFICATION_MAILS_PER_HOUR);

    // An hour on, the oldest no longer counts.
    await db.knex('account_links').update({ created_at: db.knex.raw("now() - interval '61 minutes'") });
    expect((await b.submit('/account/verification', '/account/verification', {})).status).toBe(200);
  });

  it('tells a verified user so, and mails nothing', async () => {
    const user = await buildUser(db.knex);
    const b = browser(testApp(db.db));
    await b.login(user.email);
    const res = await b.submit('/account/verification', '/account/verification', {});
    expect(res.status).toBe(200);
    expect(res.text).toContain('is verified');
    expect(await db.knex('account_links')).toEqual([]);
    expect(await delivered()).toEqual([]);
  });

  it('refuses a resend without the CSRF token', async () => {
    const user = await buildUser(db.knex, { email_verified_at: null });
    const b = browser(testApp(db.db));
    await b.login(user.email);
    await b.agent.post('/account/verification').type('form').send({}).expect(403);
    expect(await db.knex('account_links')).toEqual([]);
  });
});
