// A cookie-keeping client that fills in forms as a browser would: GET the page, read the
// hidden CSRF field, POST the form with the session cookie.
import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import type { Express } from 'express';
import { FACTORY_PASSWORD } from '../factories';

export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error(`no CSRF field in:\n${html.slice(0, 500)}`);
  return match[1]!;
}

/** Hidden inputs of the first form on a page (the consent form's parameters). */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[match[1]!] = match[2]!
      .replace(/&amp;/g, '&')
      .replace(/&#34;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&#39;/g, "'");
  }
  return fields;
}

export function browser(app: Express) {
  const agent = request.agent(app);
  return {
    agent,
    /** Logs in through the form; resolves to the final response of the POST. */
    async login(email: string, password = FACTORY_PASSWORD) {
      const page = await agent.get('/login').expect(200);
      return agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), email, password });
    },
    /** GETs `path` and posts its form (with its CSRF token) to `action` with `fields`. */
    async submit(path: string, action: string, fields: Record<string, string | string[]>) {
      const page = await agent.get(path);
      return agent
        .post(action)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), ...fields });
    },
  };
}

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

/** Query parameters of a redirect's Location. */
export function redirectParams(location: string | undefined): Record<string, string> {
  if (!location) throw new Error('no Location header');
  return Object.fromEntries(new URL(location).searchParams);
}
