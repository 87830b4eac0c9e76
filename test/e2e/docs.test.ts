// /docs in headless Chromium (issue #5): Swagger UI renders the document from installed files
// only (any request off the server fails the test), Authorize runs the OAuth authorization
// code flow with PKCE in a popup (login, consent, back to /docs/oauth2-redirect.html), and
// "Try it out" then calls the API with the token it obtained.
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/chromium';
import { useTestDatabase } from '../helpers/db';
import { startLiveServer } from '../helpers/live-server';
import { buildClient, buildUser, FACTORY_PASSWORD } from '../factories';

const db = useTestDatabase();

if (chromiumAvailable()) {
  let live: Awaited<ReturnType<typeof startLiveServer>>;
  let browser: Browser;
  beforeAll(async () => {
    live = await startLiveServer(db.db);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await live?.close();
  });

  it('renders offline, authorizes through OAuth with PKCE, and tries an operation', async () => {
    const user = await buildUser(db.knex, {
      email: 'docs-reader@example.com',
      first_name: 'Dana',
      last_name: 'Reader',
    });
    const client = await buildClient(db.knex, {
      name: 'SeatShare API docs',
      client_type: 'public',
      redirect_uris: [`${live.baseUrl}/docs/oauth2-redirect.html`],
    });

    const context = await browser.newContext();
    const offSite: string[] = [];
    await context.route(
      (url) => !url.toString().startsWith(live.baseUrl),
      (route) => {
        offSite.push(route.request().url());
        return route.abort();
      },
    );
    const problems: string[] = [];
    context.on('console', (message) => {
      if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) problems.push(message.text());
    });

    const page = await context.newPage();
    await page.goto(`${live.baseUrl}/docs?client_id=${client.client_id}`);
    await page.getByText('List tickets in your groups').first().waitFor();
    await page.getByText('Your profile', { exact: true }).first().waitFor();

    await page.locator('.auth-wrapper .authorize').click();
    const oauthSection = page.locator('.auth-container', { hasText: 'oauth2' });
    await oauthSection.getByText('read', { exact: true }).first().waitFor();
    expect(await oauthSection.locator('#client_id_authorizationCode').inputValue()).toBe(client.client_id);
    const [popup] = await Promise.all([page.waitForEvent('popup'), oauthSection.locator('button.authorize').click()]);
    await popup.getByLabel('Email').fill(user.email);
    await popup.getByLabel('Password').fill(FACTORY_PASSWORD);
    await popup.getByRole('button', { name: 'Log in' }).click();
    await popup.getByRole('button', { name: 'Approve' }).click();
    if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 15_000 });
    await oauthSection.getByText('Authorized', { exact: true }).waitFor();
    await oauthSection.getByRole('button', { name: 'Remove authorization' }).waitFor();
    await page.locator('.dialog-ux .close-modal').click();

    const operation = page.locator('#operations-users-getUsersMe');
    await operation.locator('.opblock-summary').first().click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.getByRole('button', { name: 'Execute' }).click();
    const live200 = operation.locator('.live-responses-table .response-col_status', { hasText: '200' });
    await live200.waitFor({ timeout: 10_000 });
    expect(await operation.locator('.live-responses-table .microlight').first().textContent()).toContain(
      'docs-reader@example.com',
    );

    // The token it used is a real OAuth access token of this client, scoped read and write.
    const token = await db
      .knex('oauth_tokens')
      .join('oauth_clients as c', 'c.id', 'oauth_tokens.client_id')
      .where('c.client_id', client.client_id)
      .first('oauth_tokens.scope');
    expect(token?.scope).toEqual(['read', 'write']);
    expect(offSite).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
}
