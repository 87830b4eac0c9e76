// The authorization endpoint (SPEC §3), a pipeline of small checks (authorize-request.ts) before
// the library mints the code:
//   client → redirect_uri   failures: an error page (400), never a redirect
//   login                   not signed in: to /login and back
//   response_type → scope → PKCE → state   failures: redirect with error, state, iss — at once
//                           only to a trusted redirect URI, else a page with a link back
//   consent                 remembered for confidential clients; a public client's page is
//                           shown every time; its POST carries a CSRF token
import OAuth2Server from '@node-oauth/oauth2-server';
import { Router, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../config';
import { csrfProtection } from '../web/csrf';
import { renderPage } from '../web/render';
import { coversScope, SCOPE_DESCRIPTIONS } from './scopes';
import { saveConsent } from './store';
import { findConsentWithDate } from './consents';
import {
  checkRequest,
  loadClientAndRedirectUri,
  PageError,
  presentApplication,
  RedirectError,
  redirectHost,
  type AuthorizationRequest,
} from './authorize-request';
import type { ClientWithOwner } from './clients';

/**
 * Chromium applies CSP form-action to the redirect that follows a form POST, so the consent
 * page's policy must also allow the client's redirect_uri, or Approve and Deny never reach it.
 */
function allowFormRedirectTo(res: Response, redirectUri: string): void {
  const url = new URL(redirectUri);
  const source = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
  const policy = String(res.getHeader('Content-Security-Policy') ?? '');
  res.setHeader('Content-Security-Policy', policy.replace("form-action 'self'", `form-action 'self' ${source}`));
}

/** A validated request as the parameters the library mints a code from and the consent form posts back. */
function requestParameters(request: AuthorizationRequest): Record<string, string | undefined> {
  return {
    client_id: request.client.client_id,
    redirect_uri: request.redirectUri,
    response_type: 'code',
    scope: request.scope.join(' '),
    state: request.state,
    code_challenge: request.codeChallenge,
    code_challenge_method: request.codeChallengeMethod,
  };
}

export function authorizationRoutes(knex: Knex, oauth: OAuth2Server, config: Config): Router {
  const router = Router();
  const issuer = config.baseUrl;

  /** The client's redirect_uri (its own query kept) with the response parameters and `iss`. */
  const responseUrl = (redirectUri: string, params: Record<string, string | undefined>): string => {
    const url = new URL(redirectUri);
    for (const [key, value] of Object.entries({ ...params, iss: issuer })) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    return url.toString();
  };

  const redirect = (res: Response, redirectUri: string, params: Record<string, string | undefined>) => {
    res.redirect(302, responseUrl(redirectUri, params)); // never 307 after a POST (RFC 9700 §4.12)
  };

  const errorPage = (req: Request, res: Response, detail: string) =>
    renderPage(req, res, 'error', { title: 'This authorization request cannot be completed', detail }, 400);

  /**
   * An error for the client (RFC 6749 §4.1.2.1). Anyone may register an app with any redirect
   * URI, so sending a signed-in user there at once would make SeatShare an open redirector
   * (RFC 9700 §4.11.2): only a trusted redirect URI gets the redirect — an operator's app, or
   * one this user has approved before. Otherwise a page names the app and the problem, and the
   * user decides whether to follow the one link back.
   */
  const sendError = async (
    req: Request,
    res: Response,
    client: ClientWithOwner,
    redirectUri: string,
    error: RedirectError,
    state: string | undefined,
  ) => {
    const target = responseUrl(redirectUri, { error: error.error, error_description: error.message, state });
    const trusted =
      client.owner_id === null || (await findConsentWithDate(knex, req.user!.id, client.id)) !== undefined;
    if (trusted) {
      res.redirect(302, target);
      return;
    }
    renderPage(
      req,
      res,
      'oauth/error',
      {
        title: 'This authorization request cannot be completed',
        application: presentApplication(client), // not `client`: that is an ejs option
        problem: error.message,
        errorCode: error.error,
        returnUrl: target,
        returnHost: redirectHost(redirectUri),
      },
      400,
    );
  };

  /** Mints a code through the library for an approved request and redirects with it. */
  const issueCode = async (res: Response, userId: string, request: AuthorizationRequest) => {
    const oauthRequest = new OAuth2Server.Request({
      method: 'POST',
      headers: {},
      query: {},
      body: requestParameters(request),
    });
    const code = await oauth.authorize(oauthRequest, new OAuth2Server.Response(), {
      authenticateHandler: { handle: () => ({ id: userId }) },
    });
    redirect(res, request.redirectUri, { code: code.authorizationCode, state: request.state });
  };

  /** Runs the checks; sends the error page or error redirect itself and returns undefined. */
  const validate = async (
    req: Request,
    res: Response,
    params: Record<string, unknown>,
  ): Promise<AuthorizationRequest | undefined> => {
    let client: ClientWithOwner;
    let redirectUri: string;
    try {
      ({ client, redirectUri } = await loadClientAndRedirectUri(knex, params));
    } catch (error) {
      if (error instanceof PageError) return (errorPage(req, res, error.message), undefined);
      throw error;
    }
    if (!req.user) {
      res.redirect(303, `/login?return_to=${encodeURIComponent(req.originalUrl)}`);
      return undefined;
    }
    const state = typeof params.state === 'string' ? params.state : undefined;
    try {
      return { client, redirectUri, ...checkRequest(params, client) };
    } catch (error) {
      if (error instanceof RedirectError)
        return (await sendError(req, res, client, redirectUri, error, state), undefined);
      throw error;
    }
  };

  const show = async (req: Request, res: Response) => {
    const request = await validate(req, res, req.query);
    if (!request) return;
    const consent = await findConsentWithDate(knex, req.user!.id, request.client.id);
    // Remembered only for confidential clients: any app on the device can claim a public
    // client's redirect URI and open this URL with its own PKCE challenge (RFC 8252 §8.6).
    if (consent && request.client.client_type === 'confidential' && coversScope(consent.scope, request.scope)) {
      await issueCode(res, req.user!.id, request);
      return;
    }
    allowFormRedirectTo(res, request.redirectUri);
    renderPage(req, res, 'oauth/consent', {
      title: `Authorize ${request.client.name}`,
      application: presentApplication(request.client), // not `client`: that is an ejs option
      lastApproved: consent?.updated_at.toISOString().slice(0, 10),
      askedEveryTime: request.client.client_type === 'public',
      scopes: request.scope.map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })),
      redirectUri: request.redirectUri,
      params: Object.fromEntries(Object.entries(requestParameters(request)).filter(([, value]) => value !== undefined)),
    });
  };

  const decide = async (req: Request, res: Response) => {
    const body = req.body as Record<string, unknown>;
    const request = await validate(req, res, body);
    if (!request) return;
    if (body.decision !== 'approve') {
      redirect(res, request.redirectUri, {
        error: 'access_denied',
        error_description: 'The user denied the request.',
        state: request.state,
      });
      return;
    }
    await saveConsent(knex, req.user!.id, request.client.id, request.scope);
    await issueCode(res, req.user!.id, request);
  };

  for (const path of ['/oauth/authorize', '/oauth/authorization']) {
    router.get(path, show);
    router.post(path, csrfProtection, decide);
  }
  return router;
}
