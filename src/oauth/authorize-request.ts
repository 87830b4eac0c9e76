// The checks of an authorization request (SPEC §3), as the ordered steps the endpoint runs; each
// refuses with an entry of the catalogue (protocol.ts OAUTH_ERRORS):
//   client → redirect_uri   until both pass nothing may reach the client: failures are pages
//   (login)                 the consent page's part (../web/consent-page.ts), between the two halves
//   response_type → scope → pkce → state   failures go back to the client (at once only when its
//                           redirect URI is trusted; see authorize.ts)
import type { Knex } from 'knex';
import { findClientWithOwner, type ClientRow, type ClientWithOwner } from './clients';
import { OAUTH_ERRORS } from './protocol';
import { redirectUriMatches } from './redirect-uris';
import { parseScope, type Scope } from './scopes';

export interface AuthorizationRequest {
  client: ClientWithOwner;
  redirectUri: string;
  scope: Scope[];
  state: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | undefined;
}

type Params = Record<string, unknown>;
/** What the steps after redirect_uri establish, each its own part. */
type RequestParts = Omit<AuthorizationRequest, 'client' | 'redirectUri'>;

/**
 * A step of the pipeline: its name (for logs and tests) and its check, which throws an
 * OAuthFailure or returns its part.
 */
export interface AuthorizeStep<Input, Output> {
  name: string;
  check: (input: Input) => Output;
}

const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

function single(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw OAUTH_ERRORS.repeatedParameter(name);
  return value;
}

/** client: the request names a registered client. */
export const clientStep: AuthorizeStep<{ knex: Knex; params: Params }, Promise<ClientWithOwner>> = {
  name: 'client',
  async check({ knex, params }) {
    const clientId = params.client_id;
    if (typeof clientId !== 'string' || clientId === '') throw OAUTH_ERRORS.missingClientId();
    const client = await findClientWithOwner(knex, clientId);
    if (!client) throw OAUTH_ERRORS.unknownClient(clientId);
    return client;
  },
};

/**
 * redirect_uri: the URI the response goes to — a registered URI exactly, or a registered
 * loopback URI on another port (RFC 8252 §7.3), kept as sent (port included), since the token
 * request must repeat it; or the one registered URI when none is sent.
 */
export const redirectUriStep: AuthorizeStep<{ params: Params; client: ClientWithOwner }, string> = {
  name: 'redirect_uri',
  check({ params, client }) {
    const given = params.redirect_uri;
    if (given !== undefined && typeof given !== 'string') throw OAUTH_ERRORS.repeatedRedirectUri();
    if (given === undefined || given === '') {
      if (client.redirect_uris.length !== 1) throw OAUTH_ERRORS.redirectUriRequired(client.client_id);
      return client.redirect_uris[0]!;
    }
    if (!redirectUriMatches(client.redirect_uris, given))
      throw OAUTH_ERRORS.redirectUriNotRegistered(client.client_id, given);
    return given;
  },
};

type RequestStep = AuthorizeStep<{ params: Params; client: ClientRow }, Partial<RequestParts>>;

/** The steps once the client and its redirect_uri are trusted and the user has signed in, in order. */
export const REQUEST_STEPS: readonly RequestStep[] = [
  {
    name: 'response_type',
    check({ params }) {
      const responseType = single(params, 'response_type');
      if (!responseType) throw OAUTH_ERRORS.missingResponseType();
      if (responseType !== 'code') throw OAUTH_ERRORS.unsupportedResponseType();
      return {};
    },
  },
  {
    name: 'scope',
    check({ params }) {
      const scope = parseScope(params.scope);
      if (!scope) throw OAUTH_ERRORS.invalidScope();
      return { scope };
    },
  },
  {
    // S256 only (RFC 9700 §2.1.1), a well-formed challenge (RFC 7636 §4.2), required of public clients.
    name: 'pkce',
    check({ params, client }) {
      const codeChallenge = single(params, 'code_challenge');
      const codeChallengeMethod = single(params, 'code_challenge_method');
      if (codeChallengeMethod !== undefined && codeChallengeMethod !== 'S256') throw OAUTH_ERRORS.plainPkce();
      if (codeChallenge === undefined && codeChallengeMethod !== undefined) throw OAUTH_ERRORS.missingCodeChallenge();
      if (codeChallenge !== undefined && !PKCE_VALUE.test(codeChallenge)) throw OAUTH_ERRORS.malformedCodeChallenge();
      if (client.client_type === 'public' && codeChallenge === undefined) throw OAUTH_ERRORS.pkceRequired();
      return { codeChallenge, codeChallengeMethod: codeChallenge ? 'S256' : undefined };
    },
  },
  {
    // Optional (the documented SeatShare flow sends none); only sent once.
    name: 'state',
    check: ({ params }) => ({ state: single(params, 'state') }),
  },
];

/** client → redirect_uri. Throws a `page` OAuthFailure. */
export async function identifyClient(
  knex: Knex,
  params: Params,
): Promise<{ client: ClientWithOwner; redirectUri: string }> {
  const client = await clientStep.check({ knex, params });
  return { client, redirectUri: redirectUriStep.check({ params, client }) };
}

/** response_type → scope → pkce → state. Throws a `redirect` OAuthFailure. */
export function checkRequest(params: Params, client: ClientRow): RequestParts {
  const parts: Partial<RequestParts> = {};
  for (const step of REQUEST_STEPS) Object.assign(parts, step.check({ params, client }));
  return {
    scope: parts.scope!, // the scope step refuses a request without one
    state: parts.state,
    codeChallenge: parts.codeChallenge,
    codeChallengeMethod: parts.codeChallengeMethod,
  };
}
