// The app listening on a real port, with BASE_URL (the issuer) pointing at it, and a small
// cookie-keeping "browser" over fetch that submits forms like a person would. As in `npm start`
// without SMTP_URL, the process's mail worker writes mail under its own DATA_DIR/mail (a fresh
// temporary folder), which /dev/mail lists.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Database } from '../../src/db';
import { startMailDelivery } from '../../src/mail/delivery';
import { testApp, testConfig } from './app';
import { csrfFrom, hiddenFields } from './browser';

export async function startLiveServer(db: Database): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seatshare-live-'));
  const config = testConfig({ BASE_URL: baseUrl, DATA_DIR: dataDir });
  server.on('request', testApp(db, { config }));
  const mail = startMailDelivery(db, config, pino({ level: 'silent' }));
  return {
    baseUrl,
    async close() {
      await mail.stop();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch with a cookie jar and no automatic redirects, as the steps of a browser. */
export function fetchBrowser(baseUrl: string) {
  const cookies = new Map<string, string>();
  const go = async (url: string, init: { method?: string; form?: Record<string, string> } = {}) => {
    const response = await fetch(new URL(url, baseUrl), {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const [name, value] = pair!.split('=');
      cookies.set(name!, value!);
    }
    return { status: response.status, location: response.headers.get('location'), text: await response.text() };
  };
  return {
    go,
    /** Follows an authorization URL through login and consent; returns the final redirect to the client. */
    async authorize(
      authorizationUrl: string,
      email: string,
      password: string,
      decision: 'approve' | 'deny' = 'approve',
    ): Promise<string> {
      let step = await go(authorizationUrl);
      if (step.status === 303 && step.location?.startsWith('/login')) {
        const login = await go(step.location);
        const returnTo = new URL(step.location, baseUrl).searchParams.get('return_to') ?? '';
        step = await go('/login', { form: { _csrf: csrfFrom(login.text), email, password, return_to: returnTo } });
        step = await go(step.location!);
      }
      if (step.status === 200) {
        step = await go('/oauth/authorize', { form: { ...hiddenFields(step.text), decision } });
      }
      if (step.status !== 302 || !step.location)
        throw new Error(`authorization ended with ${step.status}: ${step.text.slice(0, 300)}`);
      return step.location;
    },
  };
}
