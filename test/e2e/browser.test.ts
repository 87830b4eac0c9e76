// Headless Chromium (Debian's package, driven by playwright-core), by the labels and buttons a
// person sees: sign up, verify the address from the mail on /dev/mail, log in, register an app
// and approve its consent page; forget the password and reset it by the mailed link; follow a
// group invitation's mail while signed out, sign up from it, verify, come back and join.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/chromium';
import { useTestDatabase } from '../helpers/db';
import { startLiveServer } from '../helpers/live-server';
import { pkcePair } from '../helpers/browser';
import {
  buildClient,
  buildConsent,
  buildGroup,
  buildMembership,
  buildPersonalToken,
  buildUser,
  FACTORY_PASSWORD,
} from '../factories';

const db = useTestDatabase();

/** Opens the newest mail to `to` with `subject` on /dev/mail, and clicks the link in its text. */
async function followMailedLink(page: Page, baseUrl: string, to: string, subject: string) {
  // The live server's mail worker writes a message after its transaction commits: reload
  // /dev/mail until it is listed (a condition, not a timer).
  const row = page.getByRole('row').filter({ hasText: to }).filter({ hasText: subject });
  for (let tries = 0; tries < 100 && (await row.count()) === 0; tries += 1) await page.goto(`${baseUrl}/dev/mail`);
  await row.first().getByRole('link', { name: subject }).click();
  await page.locator('.mail-text a').first().click();
}

/** Counts the Content-Security-Policy refusals Chromium reports on `page`. */
function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

if (chromiumAvailable()) {
  let live: Awaited<ReturnType<typeof startLiveServer>>;
  let browser: Browser;
  // The client application: another origin, as in real life (so the consent page's CSP
  // form-action must allow it, or Chromium stops the redirect after Approve).
  const clientApp = http.createServer((_req, res) => res.end('client received the redirect'));
  let callback: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => clientApp.listen(0, '127.0.0.1', resolve));
    callback = `http://127.0.0.1:${(clientApp.address() as AddressInfo).port}/cb`;
    live = await startLiveServer(db.db);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await live?.close();
    clientApp.close();
  });

  it('signs up, registers an application, and approves its consent page', async () => {
    const page = await browser.newPage();
    const cspViolations = watchCsp(page);

    await page.goto(`${live.baseUrl}/signup`);
    await page.getByLabel('First name').fill('Casey');
    await page.getByLabel('Last name').fill('Jordan');
    await page.getByLabel('Email').fill('casey@example.com');
    await page.getByLabel('Password (at least 8 characters)').fill('a long password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('We sent a message to casey@example.com').waitFor();

    await followMailedLink(page, live.baseUrl, 'casey@example.com', 'Verify your email address for SeatShare');
    await page.getByRole('button', { name: 'Verify my email' }).click();
    await page.getByText('Your email is verified.').waitFor();
    await page.getByRole('link', { name: 'Log in' }).last().click();
    await page.getByLabel('Email').fill('casey@example.com');
    await page.getByLabel('Password').fill('a long password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/account\/authorizations$/);

    await page.getByRole('link', { name: 'Developer' }).click();
    await page.getByRole('link', { name: 'Register a new application' }).click();
    await page.getByLabel('Application name').fill('Season Planner');
    await page.getByLabel('Redirect URIs (one per line, matched exactly)').fill(callback);
    await page.getByLabel('Confidential — a server that can keep a secret').check();
    await page.getByRole('button', { name: 'Register application' }).click();
    const clientId = (await page.locator('#client-id').textContent())!.trim();
    expect(await page.locator('#client-secret').textContent()).toMatch(/^sss_/);

    const { challenge } = pkcePair();
    const authorize = new URL(`${live.baseUrl}/oauth/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: callback,
      state: 'b-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    await page.goto(authorize.toString());
    await page.getByText('Season Planner').first().waitFor();
    await page.getByText('registered by Casey Jordan').waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();

    // The redirect after the consent POST is allowed by the page's CSP form-action.
    await page.waitForURL((url) => url.toString().startsWith(`${callback}?code=`), { timeout: 10_000 });
    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe('b-1');
    expect(landed.searchParams.get('iss')).toBe(live.baseUrl);
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 60_000);

  it('signs in on the way to an app it approved before and lands at the app with a code', async () => {
    // The consent is remembered, so /oauth/authorize redirects to the app at once: after the
    // login form's POST, a chain the login page's CSP form-action would stop.
    const user = await buildUser(db.knex, { email: 'remembered@example.com' });
    const client = await buildClient(db.knex, { redirect_uris: [callback] });
    await buildConsent(db.knex, { user_id: user.id, client_id: client.id });
    const page = await browser.newPage();
    const cspViolations = watchCsp(page);
    const authorize = new URL(`${live.baseUrl}/oauth/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: callback,
      scope: 'read write',
      state: 'b-2',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    }).toString();
    await page.goto(authorize.toString());
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(FACTORY_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();

    await page.waitForURL((url) => url.toString().startsWith(`${callback}?code=`), { timeout: 10_000 });
    expect(new URL(page.url()).searchParams.get('state')).toBe('b-2');
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 60_000);

  it('forgets the password and resets it by the mailed link, then signs in with the new one', async () => {
    const user = await buildUser(db.knex, { email: 'forgetful@example.com' });
    const page = await browser.newPage();
    const cspViolations = watchCsp(page);
    await page.goto(`${live.baseUrl}/login`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(FACTORY_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: `Log out ${user.email}` }).click();

    await page.goto(`${live.baseUrl}/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(user.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByText(`If an account exists for ${user.email}`).waitFor();
    await followMailedLink(page, live.baseUrl, user.email, 'Reset your SeatShare password');
    await page.getByLabel('New password (at least 8 characters)').fill('my new passphrase');
    await page.getByLabel('New password again').fill('my new passphrase');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText('Your password is reset').first().waitFor();

    await page.goto(`${live.baseUrl}/login`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill('my new passphrase');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/account\/authorizations$/);
    expect(cspViolations).toEqual([]); // the mail's HTML frame included
    await page.close();
  }, 60_000);

  it('follows an invitation mail signed out, creates an account, verifies it, comes back and joins', async () => {
    const admin = await buildUser(db.knex, { first_name: 'Alex', last_name: 'Admin' });
    const group = await buildGroup(db.knex, { name: 'Row K Regulars' });
    await buildMembership(db.knex, { group_id: group.id, user_id: admin.id, role: 'admin' });
    const { token } = await buildPersonalToken(db.knex, { user_id: admin.id });
    const invited = await fetch(`${live.baseUrl}/api/v1/groups/${group.id}/invitations`, {
      method: 'POST',
      headers: { Authorization: `Token ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'friend@example.com' }),
    });
    expect(invited.status).toBe(201);

    const page = await browser.newPage();
    const cspViolations = watchCsp(page);
    await followMailedLink(page, live.baseUrl, 'friend@example.com', 'You are invited to a group on SeatShare');
    await page.getByText('Alex Admin invited you to join the group').waitFor();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('First name').fill('Frankie');
    await page.getByLabel('Last name').fill('Friend');
    await page.getByLabel('Email').fill('friend@example.com');
    await page.getByLabel('Password (at least 8 characters)').fill('a friendly password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('We sent a message to friend@example.com').waitFor();

    await followMailedLink(page, live.baseUrl, 'friend@example.com', 'Verify your email address for SeatShare');
    await page.getByRole('button', { name: 'Verify my email' }).click();
    await page.getByRole('link', { name: 'Log in' }).last().click();
    await page.getByLabel('Email').fill('friend@example.com');
    await page.getByLabel('Password').fill('a friendly password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/join\?code=ssi_/);
    await page.getByRole('button', { name: 'Join the group' }).click();
    await page.getByText('You are now a member of Row K Regulars.').waitFor();
    const friend = await db.knex('users').where({ email: 'friend@example.com' }).first();
    expect(await db.knex('memberships').where({ group_id: group.id, user_id: friend.id }).first()).toMatchObject({
      role: 'member',
    });
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 60_000);
}
