// The authorization endpoint's pages (GET and POST /oauth/authorize, also at
// /oauth/authorization): the protocol (../oauth/authorize.ts) decides what a request amounts to;
// this file shows the consent form or an error page, sends the user to log in, and hands the
// user's decision back. Like every page: no-store, a CSRF token on the POST, escaped output.
import { Router, type Request, type Response } from 'express';
import type { AuthorizationEndpoint, AuthorizationRequest } from '../oauth/authorize';
import type { ClientWithOwner } from '../oauth/clients';
import type { OAuthFailure } from '../oauth/protocol';
import { SCOPE_DESCRIPTIONS } from '../oauth/scopes';
import { displayName } from '../users/display-name';
import { csrfProtection } from './csrf';
import { allowFormRedirectTo } from './form-action';
import { renderPage } from './render';

/** The application as the consent and error pages show it (an allow-list, not the row). */
export interface ApplicationView {
  name: string;
  /** Who registered it: a user's name and email; null for the operators' (CLI) apps. */
  registrant: { name: string; email: string } | null;
}

export function presentApplication(client: ClientWithOwner): ApplicationView {
  const registrant =
    client.owner_id === null
      ? null
      : {
          name: displayName(client.owner_first_name ?? '', client.owner_last_name ?? ''),
          email: client.owner_email ?? '',
        };
  return { name: client.name, registrant };
}

/** The host a redirect goes to, as the "Return to <app> (<host>)" link names it. */
export function redirectHost(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.host || url.protocol.replace(/:$/, ''); // com.example.app:/cb has no host
}

const TITLE = 'This authorization request cannot be completed';

/** 302, never 307 after a POST (RFC 9700 §4.12). */
const redirectTo = (res: Response, url: string) => res.redirect(302, url);

const logRefusal = (req: Request, failure: OAuthFailure) =>
  req.log.info({ oauthError: failure.error, detail: failure.logDetail }, 'authorization request refused');

export function consentPage(endpoint: AuthorizationEndpoint): Router {
  const router = Router();

  /** The validated request, or undefined once the page, login redirect or error redirect is sent. */
  const validate = async (
    req: Request,
    res: Response,
    params: Record<string, unknown>,
  ): Promise<AuthorizationRequest | undefined> => {
    const validation = await endpoint.validate(params, req.user?.id);
    switch (validation.outcome) {
      case 'valid':
        return validation.request;
      case 'login':
        res.redirect(303, `/login?return_to=${encodeURIComponent(req.originalUrl)}`);
        return undefined;
      case 'refused':
        logRefusal(req, validation.failure);
        renderPage(req, res, 'error', { title: TITLE, detail: validation.failure.description }, 400);
        return undefined;
      case 'error': {
        const { failure, client, redirectUri, url, trusted } = validation;
        logRefusal(req, failure);
        if (trusted) return (redirectTo(res, url), undefined);
        renderPage(
          req,
          res,
          'oauth/error',
          {
            title: TITLE,
            application: presentApplication(client), // not `client`: that is an ejs option
            problem: failure.description,
            errorCode: failure.error,
            returnUrl: url,
            returnHost: redirectHost(redirectUri),
          },
          400,
        );
        return undefined;
      }
    }
  };

  const show = async (req: Request, res: Response) => {
    const request = await validate(req, res, req.query);
    if (!request) return;
    const userId = req.user!.id;
    const consent = await endpoint.consentState(userId, request);
    if (consent.remembered) {
      redirectTo(res, await endpoint.approve(userId, request, { remember: false }));
      return;
    }
    allowFormRedirectTo(res, request.redirectUri);
    const params = endpoint.requestParameters(request);
    renderPage(req, res, 'oauth/consent', {
      title: `Authorize ${request.client.name}`,
      application: presentApplication(request.client), // not `client`: that is an ejs option
      lastApproved: consent.lastApproved?.toISOString().slice(0, 10),
      askedEveryTime: request.client.client_type === 'public',
      scopes: request.scope.map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })),
      redirectUri: request.redirectUri,
      params: Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined)),
    });
  };

  const decide = async (req: Request, res: Response) => {
    const body = req.body as Record<string, unknown>;
    const request = await validate(req, res, body);
    if (!request) return;
    if (body.decision !== 'approve') {
      redirectTo(res, endpoint.deny(request));
      return;
    }
    redirectTo(res, await endpoint.approve(req.user!.id, request, { remember: true }));
  };

  for (const path of ['/oauth/authorize', '/oauth/authorization']) {
    router.get(path, show);
    router.post(path, csrfProtection, decide);
  }
  return router;
}
