// The authorization endpoint's tests share this: a signed-in browser, a client, and the URL of
// an authorization request.
import type { Knex } from 'knex';
import type { Database } from '../../src/db';
import { testApp } from '../helpers/app';
import { browser, pkcePair } from '../helpers/browser';
import { buildClient, buildUser } from '../factories';

export const ISSUER = 'http://seatshare.test';
export const CB = 'http://127.0.0.1:9999/cb';

/** A user signed in through the login form, and a client (an operator's unless `owner_id`). */
export async function authorizeWorld(
  db: { db: Database; knex: Knex },
  clientOverrides: Parameters<typeof buildClient>[1] = {},
) {
  const app = testApp(db.db);
  const user = await buildUser(db.knex);
  const client = await buildClient(db.knex, clientOverrides);
  const b = browser(app);
  await b.login(user.email);
  return { app, user, client, b };
}

export function authorizeUrl(params: Record<string, string | undefined>, path = '/oauth/authorize') {
  const defined = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return `${path}?${new URLSearchParams(defined).toString()}`;
}

export function baseParams(clientId: string, extra: Record<string, string | undefined> = {}) {
  return {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: CB,
    state: 'st-123',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
}

/** The `href`s of a page's links that leave SeatShare (not a local path), entities decoded. */
export function externalLinks(html: string): string[] {
  return [...html.matchAll(/<a [^>]*href="([^"]*)"/g)]
    .map((match) =>
      match[1]!
        .replace(/&#34;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    )
    .filter((href) => !href.startsWith('/'));
}
