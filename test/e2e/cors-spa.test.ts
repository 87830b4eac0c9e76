// A single-page app on another origin, in headless Chromium (SPEC §8 CORS): registered as a
// public client, it sends the user to /oauth/authorize, gets the code back on its own page,
// exchanges it at /oauth/token with fetch (cross-origin, no credentials), calls /api/v1/tickets
// with the bearer token (a preflighted request: Authorization is not safelisted) and reads the
// exposed headers from JavaScript. SeatShare's pages stay unreadable to it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/chromium';
import { useTestDatabase } from '../helpers/db';
import { startLiveServer } from '../helpers/live-server';
import {
  buildClient,
  buildEvent,
  buildGroup,
  buildPersonalToken,
  buildTicket,
  buildUser,
  FACTORY_PASSWORD,
} from '../factories';

const db = useTestDatabase();

/**
 * The app's whole code, as a partner would write it without a library. It keeps the PKCE
 * verifier in localStorage (its own origin's) while the tab visits SeatShare, and writes what it
 * saw into #result for the test to read.
 */
const SPA_SCRIPT = `
const { issuer, clientId, redirectUri } = window.SPA;
const show = (value) => {
  const pre = document.createElement('pre');
  pre.id = 'result';
  pre.textContent = JSON.stringify(value);
  document.body.append(pre);
};
const base64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
const blockedOrReadable = (request) =>
  request.then(() => 'readable', (error) => 'blocked: ' + error.name);

async function start() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  localStorage.setItem('pkce', JSON.stringify({ verifier, state }));
  const url = new URL('/oauth/authorize', issuer);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'read', state,
    code_challenge: challenge, code_challenge_method: 'S256',
  });
  location.assign(url);
}

async function finish(params) {
  const { verifier, state } = JSON.parse(localStorage.getItem('pkce'));
  if (params.get('state') !== state || params.get('iss') !== issuer) throw new Error('not our authorization');
  const tokenReply = await fetch(new URL('/oauth/token', issuer), {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: params.get('code'), redirect_uri: redirectUri,
      client_id: clientId, code_verifier: verifier,
    }),
  });
  const token = await tokenReply.json();
  const api = await fetch(new URL('/api/v1/tickets?limit=2', issuer), {
    headers: { Authorization: 'Bearer ' + token.access_token, Accept: 'application/json' },
  });
  const tickets = await api.json();
  const refused = await fetch(new URL('/api/v1/tickets', issuer));
  show({
    token: { status: tokenReply.status, type: token.token_type, scope: token.scope },
    api: {
      status: api.status,
      count: tickets.length,
      totalCount: api.headers.get('X-Total-Count'),
      link: api.headers.get('Link'),
      etag: api.headers.get('ETag'),
      rateLimitRemaining: api.headers.get('RateLimit-Remaining'),
    },
    refused: { status: refused.status, body: await refused.json(), challenge: refused.headers.get('WWW-Authenticate') },
    loginPage: await blockedOrReadable(fetch(new URL('/login', issuer))),
    accountPage: await blockedOrReadable(fetch(new URL('/account/tokens', issuer), { credentials: 'include' })),
  });
}

const params = new URLSearchParams(location.search);
(params.has('code') ? finish(params) : start()).catch((error) => show({ failed: String(error) }));
`;

if (chromiumAvailable()) {
  let live: Awaited<ReturnType<typeof startLiveServer>>;
  let browser: Browser;
  let spaConfig = {};
  // The SPA's own origin (another port): one page, no CSP, the script inline.
  const spa = http.createServer((req, res) => {
    if (!req.url?.startsWith('/app')) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner SPA</title></head><body>' +
        '<h1>Partner seat planner</h1>' +
        `<script>window.SPA = ${JSON.stringify(spaConfig)};</script><script>${SPA_SCRIPT}</script></body></html>`,
    );
  });
  let spaUrl: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => spa.listen(0, '127.0.0.1', resolve));
    spaUrl = `http://127.0.0.1:${(spa.address() as AddressInfo).port}/app`;
    live = await startLiveServer(db.db);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await live?.close();
    spa.closeAllConnections();
    spa.close();
  });

  it('completes authorization code + PKCE from another origin and reads the API and its headers', async () => {
    const user = await buildUser(db.knex);
    const group = await buildGroup(db.knex, { admin: user });
    const event = await buildEvent(db.knex, { group_id: group.id });
    for (const seat of ['1', '2', '3']) await buildTicket(db.knex, { event, owner: user, seat });
    const client = await buildClient(db.knex, {
      client_type: 'public',
      name: 'Partner Planner',
      redirect_uris: [spaUrl],
    });
    spaConfig = { issuer: live.baseUrl, clientId: client.client_id, redirectUri: spaUrl };

    const page = await browser.newPage();
    await page.goto(spaUrl);
    await page.waitForURL((url) => url.pathname === '/login');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(FACTORY_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Partner Planner').first().waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL((url) => url.toString().startsWith(`${spaUrl}?code=`));

    // What the same list sends outside a browser: the SPA must see ETag exactly when it is sent.
    const { token } = await buildPersonalToken(db.knex, { user_id: user.id });
    const direct = await fetch(`${live.baseUrl}/api/v1/tickets?limit=2`, {
      headers: { Authorization: `Token ${token}` },
    });
    const sentEtag = direct.headers.has('ETag');
    const result = JSON.parse((await page.locator('#result').textContent())!) as Record<string, unknown>;
    expect(result).toEqual({
      token: { status: 200, type: 'bearer', scope: 'read' },
      api: {
        status: 200,
        count: 2,
        totalCount: '3',
        link: expect.stringContaining('rel="next"'),
        etag: sentEtag ? expect.any(String) : null, // if the API sends one (conditional requests), JS reads it
        rateLimitRemaining: expect.stringMatching(/^\d+$/),
      },
      refused: {
        status: 401,
        body: expect.objectContaining({ error: 'Unauthorized', code: 401 }),
        challenge: expect.stringContaining('Bearer'),
      },
      // No Access-Control-Allow-Origin on pages: the browser rejects the fetch.
      loginPage: 'blocked: TypeError',
      accountPage: 'blocked: TypeError',
    });
    await page.close();
  }, 60_000);
}
