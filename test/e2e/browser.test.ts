// Headless Chromium (Debian's package, driven by playwright-core): sign up, verify the address
// from the mail on /dev/mail, log in, register an app on the developer page, and approve its
// consent page by the labels and buttons a person sees.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/chromium';
import { useTestDatabase } from '../helpers/db';
import { startLiveServer } from '../helpers/live-server';
import { pkcePair } from '../helpers/browser';
import { buildClient, buildConsent, buildUser, FACTORY_PASSWORD } from '../factories';

const db = useTestDatabase();

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
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });

    await page.goto(`${live.baseUrl}/signup`);
    await page.getByLabel('First name').fill('Casey');
    await page.getByLabel('Last name').fill('Jordan');
    await page.getByLabel('Email').fill('casey@example.com');
    await page.getByLabel('Password (at least 8 characters)').fill('a long password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('We sent a message to casey@example.com').waitFor();

    // The live server's mail worker writes the message after the sign-up commits: reload
    // /dev/mail until it is listed (a condition, not a timer).
    const mail = page.getByRole('link', { name: 'Verify your email address for SeatShare' });
    for (let tries = 0; tries < 100 && (await mail.count()) === 0; tries += 1)
      await page.goto(`${live.baseUrl}/dev/mail`);
    await mail.click();
    await page.locator('.mail-text a').click();
    await page.getByRole('button', { name: 'Verify my email' }).click();
    await page.getByText('Your email is verified.').waitFor();
    await page.getByRole('link', { name: 'Log in' }).last().click();
    await page.getByLabel('Email').fill('casey@example.com');
    await page.getByLabel('Password').fill('a long password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/account\/authorizations$/);
    // /dev/mail shows the message's HTML in a srcdoc iframe, which inherits the page's CSP: the
    // mail's inline styles are refused there (a development page only). What this test guards
    // is the consent redirect below, so count from here.
    cspViolations.length = 0;

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
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
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
}
