// The authorization endpoint's pages (GET and POST /oauth/authorize, also at
// /oauth/authorization): the protocol (../oauth/authorize.ts) decides what a request amounts to;
// this file shows the consent form or an error page, sends the user to log in, and hands the
// user's decision back. Like every page: no-store, a CSRF token on the POST, escaped output.
// An account whose email is not verified is told why it cannot approve (SPEC §7); Deny works.
import { Router, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import type { AuthorizationEndpoint, AuthorizationRequest } from '../oauth/authorize';
import type { ClientWithOwner } from '../oauth/clients';
import type { OAuthFailure } from '../oauth/protocol';
import { SCOPE_DESCRIPTIONS } from '../oauth/scopes';
import { displayName } from '../users/display-name';
import { csrfProtection } from './csrf';
import { allowFormRedirectTo } from './form-action';
import { renderPage } from './render';
import { unverifiedNotice, type UnverifiedNotice } from './verification-pages';

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

export function consentPage(endpoint: AuthorizationEndpoint, knex: Knex): Router {
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

  /** The consent form; for an unverified account, why it cannot approve yet (SPEC §7). */
  const showForm = (
    req: Request,
    res: Response,
    request: AuthorizationRequest,
    unverified: UnverifiedNotice | null,
    lastApproved?: Date,
  ) => {
    allowFormRedirectTo(res, request.redirectUri);
    const params = Object.fromEntries(
      Object.entries(endpoint.requestParameters(request)).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    renderPage(
      req,
      res,
      'oauth/consent',
      {
        title: `Authorize ${request.client.name}`,
        application: presentApplication(request.client), // not `client`: that is an ejs option
        lastApproved: lastApproved?.toISOString().slice(0, 10),
        askedEveryTime: request.client.client_type === 'public',
        scopes: request.scope.map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })),
        redirectUri: request.redirectUri,
        params,
        unverified,
        returnTo: `/oauth/authorize?${new URLSearchParams(params).toString()}`, // back here once verified
        error: unverified && req.method === 'POST' ? unverified.reason : undefined,
      },
      unverified && req.method === 'POST' ? 403 : 200,
    );
  };

  const show = async (req: Request, res: Response) => {
    const request = await validate(req, res, req.query);
    if (!request) return;
    const userId = req.user!.id;
    // Before the remembered consent: an unverified account approves nothing, not even again.
    const unverified = await unverifiedNotice(knex, userId);
    if (unverified) return showForm(req, res, request, unverified);
    const consent = await endpoint.consentState(userId, request);
    if (consent.remembered) {
      redirectTo(res, await endpoint.approve(userId, request, { remember: false }));
      return;
    }
    showForm(req, res, request, null, consent.lastApproved);
  };

  const decide = async (req: Request, res: Response) => {
    const body = req.body as Record<string, unknown>;
    const request = await validate(req, res, body);
    if (!request) return;
    if (body.decision !== 'approve') {
      redirectTo(res, endpoint.deny(request));
      return;
    }
    const unverified = await unverifiedNotice(knex, req.user!.id);
    if (unverified) return showForm(req, res, request, unverified);
    redirectTo(res, await endpoint.approve(req.user!.id, request, { remember: true }));
  };

  for (const path of ['/oauth/authorize', '/oauth/authorization']) {
    router.get(path, show);
    router.post(path, csrfProtection, decide);
  }
  return router;
}
