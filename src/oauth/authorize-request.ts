// The checks of an authorization request (SPEC §3), in the order the endpoint runs them:
//   client → redirect_uri   failures are a PageError: an error page, never a redirect
//   response_type → scope → PKCE → state   failures are a RedirectError: back to the client
//                           (at once only when its redirect URI is trusted; see authorize.ts)
import type { Knex } from 'knex';
import { displayName } from '../users/display-name';
import { findClientWithOwner, type ClientRow, type ClientWithOwner } from './clients';
import { redirectUriMatches } from './redirect-uris';
import { parseScope, type Scope } from './scopes';

export interface AuthorizationRequest {
  client: ClientWithOwner;
  redirectUri: string;
  scope: Scope[];
  state: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
}

/** An error shown on a page: the client or its redirect_uri cannot be trusted. */
export class PageError extends Error {}

/** An error for the (validated) redirect_uri: `error` is the RFC 6749 §4.1.2.1 code. */
export class RedirectError extends Error {
  constructor(
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

function single(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw new RedirectError('invalid_request', `The parameter ${name} was sent more than once.`);
  return value;
}

/**
 * The client and the redirect_uri the response goes to: a registered URI exactly, or a
 * registered loopback URI on another port (RFC 8252 §7.3), kept as sent (port included), since
 * the token request must repeat it.
 */
export async function loadClientAndRedirectUri(
  knex: Knex,
  params: Record<string, unknown>,
): Promise<{ client: ClientWithOwner; redirectUri: string }> {
  const clientId = params.client_id;
  if (typeof clientId !== 'string' || clientId === '')
    throw new PageError('The request names no application (client_id is missing).');
  const client = await findClientWithOwner(knex, clientId);
  if (!client) throw new PageError('The application that sent you here is not registered with SeatShare.');
  const given = params.redirect_uri;
  if (given !== undefined && typeof given !== 'string')
    throw new PageError('The request has more than one redirect_uri.');
  if (given === undefined || given === '') {
    if (client.redirect_uris.length !== 1)
      throw new PageError('The request has no redirect_uri, and the application has registered several.');
    return { client, redirectUri: client.redirect_uris[0]! };
  }
  if (!redirectUriMatches(client.redirect_uris, given))
    throw new PageError('The redirect_uri of this request is not registered for the application.');
  return { client, redirectUri: given };
}

export function checkRequest(
  params: Record<string, unknown>,
  client: ClientRow,
): Omit<AuthorizationRequest, 'client' | 'redirectUri'> {
  const responseType = single(params, 'response_type');
  if (!responseType) throw new RedirectError('invalid_request', 'response_type is missing.');
  if (responseType !== 'code')
    throw new RedirectError('unsupported_response_type', 'Only response_type=code is supported.');
  const scope = parseScope(params.scope);
  if (!scope) throw new RedirectError('invalid_scope', 'The scope must be "read", "write" or "read write".');
  const codeChallenge = single(params, 'code_challenge');
  const codeChallengeMethod = single(params, 'code_challenge_method');
  if (codeChallengeMethod !== undefined && codeChallengeMethod !== 'S256') {
    throw new RedirectError('invalid_request', 'code_challenge_method must be S256 (plain is not supported).');
  }
  if (codeChallenge === undefined && codeChallengeMethod !== undefined)
    throw new RedirectError('invalid_request', 'code_challenge is missing.');
  if (codeChallenge !== undefined && !PKCE_VALUE.test(codeChallenge))
    throw new RedirectError('invalid_request', 'code_challenge is malformed.');
  if (client.client_type === 'public' && codeChallenge === undefined) {
    throw new RedirectError(
      'invalid_request',
      'Public clients must use PKCE: send code_challenge with code_challenge_method=S256.',
    );
  }
  return {
    scope,
    state: single(params, 'state'),
    codeChallenge,
    codeChallengeMethod: codeChallenge ? 'S256' : undefined,
  };
}

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
