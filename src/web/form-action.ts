// CSP `form-action` and the redirects after a form. Chromium applies the form page's
// form-action to every redirect that follows the POST, so a form whose answer ends, directly or
// through /oauth/authorize, at an app's redirect_uri must allow that origin — only that one,
// and only a redirect URI the app registered.
import type { Response } from 'express';
import type { Knex } from 'knex';
import { identifyClient } from '../oauth/authorize-request';
import { OAuthFailure } from '../oauth/protocol';

/** Adds the redirect URI's origin (or its private-use scheme) to the page's form-action. */
export function allowFormRedirectTo(res: Response, redirectUri: string): void {
  const url = new URL(redirectUri);
  const source = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
  const policy = String(res.getHeader('Content-Security-Policy') ?? '');
  res.setHeader('Content-Security-Policy', policy.replace("form-action 'self'", `form-action 'self' ${source}`));
}

/**
 * For the login and sign-up pages: when `returnTo` is an authorization request whose client and
 * redirect_uri check out, its answer may be an immediate redirect to the app (a remembered
 * consent) at the end of the chain POST /login → 303 /oauth/authorize → 302 app; without this
 * Chromium stops it and the person stays on the login page. Anything else changes nothing.
 */
export async function allowAuthorizationRedirect(knex: Knex, res: Response, returnTo: string): Promise<void> {
  const url = new URL(returnTo, 'http://seatshare.invalid');
  if (!/^\/oauth\/authoriz(e|ation)$/.test(url.pathname)) return;
  try {
    const { redirectUri } = await identifyClient(knex, Object.fromEntries(url.searchParams));
    allowFormRedirectTo(res, redirectUri);
  } catch (error) {
    if (!(error instanceof OAuthFailure)) throw error; // an unknown app: the error page will say so
  }
}
