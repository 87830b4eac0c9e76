// The authorization endpoint (SPEC §3), a pipeline of small checks before the library mints
// the code:
//   client → redirect_uri   failures: an error page (400), never a redirect
//   login                   not signed in: to /login and back
//   response_type → scope → PKCE → state   failures: redirect with error, state, iss
//   consent                 remembered, or asked on a page whose POST carries a CSRF token
import OAuth2Server from '@node-oauth/oauth2-server';
import { Router, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../config';
import { csrfProtection } from '../web/csrf';
import { renderPage } from '../web/render';
import { parseScope, coversScope, SCOPE_DESCRIPTIONS, type Scope } from './scopes';
import { findConsent, saveConsent } from './store';
import type { ClientRow } from './clients';

interface AuthorizationRequest {
  client: ClientRow & { owner_first_name: string | null; owner_last_name: string | null };
  redirectUri: string;
  scope: Scope[];
  state: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
}

/** An error shown on a page: the client or its redirect_uri cannot be trusted. */
class PageError extends Error {}
/** An error sent back to the (validated) redirect_uri. */
class RedirectError extends Error {
  constructor(readonly error: string, description: string) {
    super(description);
  }
}

const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

function single(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new RedirectError('invalid_request', `The parameter ${name} was sent more than once.`);
  return value;
}

async function loadClientAndRedirectUri(knex: Knex, params: Record<string, unknown>) {
  const clientId = params.client_id;
  if (typeof clientId !== 'string' || clientId === '') throw new PageError('The request names no application (client_id is missing).');
  const client = await knex('oauth_clients as c')
    .leftJoin('users as u', 'u.id', 'c.owner_id')
    .where('c.client_id', clientId)
    .first('c.*', 'u.first_name as owner_first_name', 'u.last_name as owner_last_name');
  if (!client) throw new PageError('The application that sent you here is not registered with SeatShare.');
  const given = params.redirect_uri;
  if (given !== undefined && typeof given !== 'string') throw new PageError('The request has more than one redirect_uri.');
  let redirectUri: string;
  if (given === undefined || given === '') {
    if (client.redirect_uris.length !== 1) throw new PageError('The request has no redirect_uri, and the application has registered several.');
    redirectUri = client.redirect_uris[0];
  } else if (client.redirect_uris.includes(given)) {
    redirectUri = given; // exact string match, no normalisation
  } else {
    throw new PageError('The redirect_uri of this request is not registered for the application.');
  }
  return { client, redirectUri };
}

function checkRequest(params: Record<string, unknown>, client: ClientRow): Omit<AuthorizationRequest, 'client' | 'redirectUri'> {
  const responseType = single(params, 'response_type');
  if (!responseType) throw new RedirectError('invalid_request', 'response_type is missing.');
  if (responseType !== 'code') throw new RedirectError('unsupported_response_type', 'Only response_type=code is supported.');
  const scope = parseScope(params.scope);
  if (!scope) throw new RedirectError('invalid_scope', 'The scope must be "read", "write" or "read write".');
  const codeChallenge = single(params, 'code_challenge');
  const codeChallengeMethod = single(params, 'code_challenge_method');
  if (codeChallengeMethod !== undefined && codeChallengeMethod !== 'S256') {
    throw new RedirectError('invalid_request', 'code_challenge_method must be S256 (plain is not supported).');
  }
  if (codeChallenge === undefined && codeChallengeMethod !== undefined) throw new RedirectError('invalid_request', 'code_challenge is missing.');
  if (codeChallenge !== undefined && !PKCE_VALUE.test(codeChallenge)) throw new RedirectError('invalid_request', 'code_challenge is malformed.');
  if (client.client_type === 'public' && codeChallenge === undefined) {
    throw new RedirectError('invalid_request', 'Public clients must use PKCE: send code_challenge with code_challenge_method=S256.');
  }
  return { scope, state: single(params, 'state'), codeChallenge, codeChallengeMethod: codeChallenge ? 'S256' : undefined };
}

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

export function authorizationRoutes(knex: Knex, oauth: OAuth2Server, config: Config): Router {
  const router = Router();
  const issuer = config.baseUrl;

  const redirect = (res: Response, redirectUri: string, params: Record<string, string | undefined>) => {
    const url = new URL(redirectUri);
    for (const [key, value] of Object.entries({ ...params, iss: issuer })) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    res.redirect(302, url.toString()); // never 307 after a POST (RFC 9700 §4.12)
  };

  const errorPage = (req: Request, res: Response, detail: string) =>
    renderPage(req, res, 'error', { title: 'This authorization request cannot be completed', detail }, 400);

  /** Mints a code through the library for an approved request and redirects with it. */
  const issueCode = async (res: Response, userId: string, request: AuthorizationRequest) => {
    const oauthRequest = new OAuth2Server.Request({
      method: 'POST',
      headers: {},
      query: {},
      body: {
        client_id: request.client.client_id,
        redirect_uri: request.redirectUri,
        response_type: 'code',
        scope: request.scope.join(' '),
        state: request.state,
        code_challenge: request.codeChallenge,
        code_challenge_method: request.codeChallengeMethod,
      },
    });
    const code = await oauth.authorize(oauthRequest, new OAuth2Server.Response(), { authenticateHandler: { handle: () => ({ id: userId }) } });
    redirect(res, request.redirectUri, { code: code.authorizationCode, state: request.state });
  };

  /** Runs the checks; sends the error page or error redirect itself and returns undefined. */
  const validate = async (req: Request, res: Response, params: Record<string, unknown>): Promise<AuthorizationRequest | undefined> => {
    let client: AuthorizationRequest['client'];
    let redirectUri: string;
    try {
      ({ client, redirectUri } = await loadClientAndRedirectUri(knex, params));
    } catch (error) {
      if (error instanceof PageError) return errorPage(req, res, error.message), undefined;
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
      if (error instanceof RedirectError) return redirect(res, redirectUri, { error: error.error, error_description: error.message, state }), undefined;
      throw error;
    }
  };

  const show = async (req: Request, res: Response) => {
    const request = await validate(req, res, req.query as Record<string, unknown>);
    if (!request) return;
    const consent = await findConsent(knex, req.user!.id, request.client.id);
    if (consent && coversScope(consent.scope, request.scope)) {
      await issueCode(res, req.user!.id, request); // remembered: not asked again
      return;
    }
    allowFormRedirectTo(res, request.redirectUri);
    const owner = request.client.owner_first_name ? `${request.client.owner_first_name} ${request.client.owner_last_name}` : null;
    renderPage(req, res, 'oauth/consent', {
      title: `Authorize ${request.client.name}`,
      application: { name: request.client.name, ownerName: owner }, // not `client`: that is an ejs option
      scopes: request.scope.map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })),
      redirectUri: request.redirectUri,
      params: Object.fromEntries(
        Object.entries({
          client_id: request.client.client_id,
          redirect_uri: request.redirectUri,
          response_type: 'code',
          scope: request.scope.join(' '),
          state: request.state,
          code_challenge: request.codeChallenge,
          code_challenge_method: request.codeChallengeMethod,
        }).filter(([, value]) => value !== undefined),
      ),
    });
  };

  const decide = async (req: Request, res: Response) => {
    const request = await validate(req, res, req.body as Record<string, unknown>);
    if (!request) return;
    if (req.body.decision !== 'approve') {
      redirect(res, request.redirectUri, { error: 'access_denied', error_description: 'The user denied the request.', state: request.state });
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
