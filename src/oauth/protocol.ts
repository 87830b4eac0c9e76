// OAuth's own dialect for the token, revocation and introspection endpoints: every reply,
// success or error, is JSON (RFC 6749 §5), never cached, and a 401 carries a parseable
// WWW-Authenticate. Client credentials come from HTTP Basic (form-urlencoded inside, RFC 6749
// §2.3.1: strict clients send `my%2Dapp`) or from the body — never both, never the query.
//
// And the one catalogue of the errors SeatShare's own OAuth code answers (OAUTH_ERRORS): each
// with its RFC code, the description the client or user is told, its status and how it travels.
// (The library's refusals inside the grants keep the library's own words.)
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { toHttpError } from '../errors';
import type { ClientRow } from './clients';
import { secretMatches } from './store';

export const CLIENT_CHALLENGE = 'Basic realm="seatshare"';

/**
 * How an error reaches its audience: `page` — the client or its redirect_uri cannot be trusted,
 * so only the user is told (an error page); `redirect` — to the validated redirect_uri (RFC 6749
 * §4.1.2.1); `json` — the token, revocation and introspection endpoints' reply (RFC 6749 §5.2).
 */
export type Delivery = 'page' | 'redirect' | 'json';

/**
 * An OAuth refusal. `error` and `description` are what the client (or the user, on a page) is
 * told; `logDetail` is for the operator's logs only (what was refused and why, never a secret)
 * and is never sent. Named `OAuthFailure`: the library's own class is `OAuthError`.
 */
export class OAuthFailure extends Error {
  readonly error: string;
  readonly description: string;
  readonly status: number;
  readonly delivery: Delivery;
  readonly logDetail: string | undefined;

  constructor(spec: { error: string; description: string; status?: number; delivery: Delivery; logDetail?: string }) {
    super(spec.description);
    this.error = spec.error;
    this.description = spec.description;
    this.status = spec.status ?? 400;
    this.delivery = spec.delivery;
    this.logDetail = spec.logDetail;
  }

  /** The client-visible body: RFC 6749 §5.2 (JSON) and §4.1.2.1 (redirect parameters). */
  get body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

const page = (description: string, logDetail?: string) =>
  new OAuthFailure({ error: 'invalid_request', description, delivery: 'page', logDetail });
const redirect = (error: string, description: string) => new OAuthFailure({ error, description, delivery: 'redirect' });
const json = (error: string, description: string, logDetail?: string) =>
  new OAuthFailure({ error, description, status: error === 'invalid_client' ? 401 : 400, delivery: 'json', logDetail });

/** Every refusal of SeatShare's OAuth code, by name: `throw OAUTH_ERRORS.pkceRequired()`. */
export const OAUTH_ERRORS = {
  // The authorization endpoint, before the client and its redirect_uri are known: a page.
  missingClientId: () => page('The request names no application (client_id is missing).'),
  unknownClient: (clientId: string) =>
    page('The application that sent you here is not registered with SeatShare.', `unknown client_id ${clientId}`),
  repeatedRedirectUri: () => page('The request has more than one redirect_uri.'),
  redirectUriRequired: (clientId: string) =>
    page(
      'The request has no redirect_uri, and the application has registered several.',
      `client ${clientId} registered several redirect URIs`,
    ),
  redirectUriNotRegistered: (clientId: string, redirectUri: string) =>
    page(
      'The redirect_uri of this request is not registered for the application.',
      `client ${clientId} did not register ${redirectUri}`,
    ),

  // The authorization endpoint, once both are validated: back to the client.
  repeatedParameter: (name: string) => redirect('invalid_request', `The parameter ${name} was sent more than once.`),
  missingResponseType: () => redirect('invalid_request', 'response_type is missing.'),
  unsupportedResponseType: () => redirect('unsupported_response_type', 'Only response_type=code is supported.'),
  invalidScope: () => redirect('invalid_scope', 'The scope must be "read", "write" or "read write".'),
  plainPkce: () => redirect('invalid_request', 'code_challenge_method must be S256 (plain is not supported).'),
  missingCodeChallenge: () => redirect('invalid_request', 'code_challenge is missing.'),
  malformedCodeChallenge: () => redirect('invalid_request', 'code_challenge is malformed.'),
  pkceRequired: () =>
    redirect('invalid_request', 'Public clients must use PKCE: send code_challenge with code_challenge_method=S256.'),
  accessDenied: () => redirect('access_denied', 'The user denied the request.'),

  // The token, revocation and introspection endpoints: JSON.
  parameterNotSingle: (name: string) =>
    json('invalid_request', `The ${name} parameter must be sent once, as a string.`),
  credentialsInQuery: () =>
    json('invalid_request', 'Send credentials and codes in the request body, not the query string.'),
  unsupportedContentType: () =>
    json('invalid_request', 'The body must be application/x-www-form-urlencoded or application/json.'),
  headNotAToken: () =>
    new OAuthFailure({
      error: 'invalid_request',
      description: 'A HEAD request is not a token request: use POST (or the documented GET).',
      status: 405,
      delivery: 'json',
    }),
  getFormNeedsSecret: () =>
    json(
      'invalid_request',
      'The GET form of the token endpoint is for confidential clients with client_secret in the query; use POST.',
    ),
  unsupportedGrantType: (grantType: string) =>
    json(
      'unsupported_grant_type',
      'This server offers the authorization_code and refresh_token grants only.',
      `grant_type ${JSON.stringify(grantType.slice(0, 100))}`,
    ),
  twoAuthMethods: () =>
    json('invalid_request', 'Use one client authentication method, not both HTTP Basic and client_secret.'),
  clientIdMismatch: () => json('invalid_request', 'client_id does not match the HTTP Basic credentials.'),
  malformedBasic: () => json('invalid_client', 'The Authorization header is not valid HTTP Basic.'),
  badlyEncodedCredentials: () => json('invalid_client', 'The client credentials are not correctly encoded.'),
  clientAuthRequired: () => json('invalid_client', 'Client authentication is required.'),
  invalidClientAuth: (logDetail: string) => json('invalid_client', 'Client authentication failed.', logDetail),
  missingToken: () => json('invalid_request', 'The token parameter is missing.'),
  /** Inside the authorization_code grant (server.ts hands these to the library as its own errors). */
  missingTokenRedirectUri: () => json('invalid_request', 'Missing parameter: `redirect_uri`'),
  redirectUriChanged: () =>
    json('invalid_grant', 'Invalid grant: `redirect_uri` differs from the one of the authorization request'),
  serverUnavailable: () =>
    new OAuthFailure({
      error: 'server_error',
      description: 'The service is temporarily unavailable. Please retry shortly.',
      status: 503,
      delivery: 'json',
    }),
} as const;

/**
 * Every OAuth JSON reply: never stored (RFC 6749 §5.1). Written directly rather than through
 * res.json, whose ETag (a SHA-1 of every body) and freshness check a no-store reply cannot use:
 * 1–2 % of a token request's CPU.
 */
export function sendOAuthJson(res: Response, status: number, body: object): void {
  const text = JSON.stringify(body);
  res
    .status(status)
    .set({
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
    })
    .end(text);
}

export function sendOAuthError(res: Response, status: number, error: string, description: string): void {
  if (status === 401) res.set('WWW-Authenticate', CLIENT_CHALLENGE);
  sendOAuthJson(res, status, { error, error_description: description });
}

/** Sends a catalogue entry as JSON, logging its detail for the operator. */
export function sendOAuthFailure(req: Request, res: Response, failure: OAuthFailure): void {
  req.log.info({ oauthError: failure.error, detail: failure.logDetail }, 'oauth request refused');
  sendOAuthError(res, failure.status, failure.error, failure.description);
}

/** Form or JSON bodies up to 100 kB. */
export const oauthBodyParsers: RequestHandler[] = [
  express.urlencoded({ extended: false, limit: '100kb' }),
  express.json({ limit: '100kb' }),
];

/** Errors raised before or around the protocol code (body parser, rate limit, database) in OAuth's dialect. */
export const oauthErrorHandler: ErrorRequestHandler = (error, req, res, next) => {
  if (res.headersSent) return next(error);
  if (error instanceof OAuthFailure) return sendOAuthFailure(req, res, error);
  const httpError = toHttpError(error);
  if (httpError.status >= 500) req.log.error({ err: error }, 'oauth endpoint failed');
  res.set(httpError.options.headers ?? {});
  const code =
    httpError.status === 429 ? 'too_many_requests' : httpError.status >= 500 ? 'server_error' : 'invalid_request';
  sendOAuthError(res, httpError.status, code, httpError.detail);
};

/**
 * RFC 6749 §3.2: a parameter is sent at most once, and its value is a string. A repeated form
 * field arrives as an array and JSON may carry anything; both are invalid_request here, before
 * any of it reaches the library, a digest or SQL. Parameters not named are left out (§3.2:
 * unrecognized parameters are ignored).
 */
export function oauthParameters<N extends string>(
  raw: Record<string, unknown>,
  names: readonly N[],
): Partial<Record<N, string>> {
  const params: Partial<Record<N, string>> = {};
  for (const name of names) {
    if (!Object.hasOwn(raw, name)) continue;
    const value = raw[name];
    if (typeof value !== 'string') throw OAUTH_ERRORS.parameterNotSingle(name);
    params[name] = value;
  }
  return params;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string | undefined;
  viaBasic: boolean;
}

function decodeBasic(header: string): { id: string; secret: string } {
  const match = /^basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  if (!match) throw OAUTH_ERRORS.malformedBasic();
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw OAUTH_ERRORS.malformedBasic();
  try {
    const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw OAUTH_ERRORS.badlyEncodedCredentials();
  }
}

/** Reads client credentials from a request, refusing ambiguous or query-string credentials. */
export function readClientCredentials(req: Request, body: Record<string, unknown>): ClientCredentials | undefined {
  const header = req.get('authorization');
  const bodySecret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
  const bodyId = typeof body.client_id === 'string' ? body.client_id : undefined;
  if (header && /^basic\s/i.test(header)) {
    if (bodySecret !== undefined) throw OAUTH_ERRORS.twoAuthMethods();
    const { id, secret } = decodeBasic(header);
    if (bodyId !== undefined && bodyId !== id) throw OAUTH_ERRORS.clientIdMismatch();
    return { clientId: id, clientSecret: secret, viaBasic: true };
  }
  if (bodyId === undefined) return undefined;
  return { clientId: bodyId, clientSecret: bodySecret, viaBasic: false };
}

/** The client credentials of a /oauth/revoke or /oauth/introspect request; 401 without any. */
export function requireClientCredentials(req: Request, body: Record<string, unknown>): ClientCredentials {
  const credentials = readClientCredentials(req, body);
  if (!credentials) throw OAUTH_ERRORS.clientAuthRequired();
  // A client_id is VSCHARs (RFC 6749 Appendix A.1): anything else names no client, and a NUL
  // would only reach the database to be refused there.
  if (!/^[\x20-\x7E]+$/.test(credentials.clientId))
    throw OAUTH_ERRORS.invalidClientAuth('client_id is not printable ASCII');
  return credentials;
}

/** Why a client failed to authenticate, for the log (the client hears only "Client authentication failed."). */
function authenticationProblem(
  client: Pick<ClientRow, 'client_type' | 'secret_hash'> | undefined,
  credentials: ClientCredentials,
  allowPublic: boolean,
): string | undefined {
  const who = `client_id ${JSON.stringify(credentials.clientId.slice(0, 100))}`;
  if (!client) return `${who}: no such client`;
  if (client.client_type === 'confidential') {
    if (credentials.clientSecret === undefined) return `${who}: a confidential client sent no secret`;
    return secretMatches(client, credentials.clientSecret) ? undefined : `${who}: the secret does not match`;
  }
  if (!allowPublic) return `${who}: a public client may not use this endpoint`;
  return credentials.clientSecret === undefined ? undefined : `${who}: a public client sent a secret`;
}

/**
 * Authenticates the client calling /oauth/revoke or /oauth/introspect against its row: a
 * confidential client by its secret; a public client by client_id alone where `allowPublic`.
 */
export function authenticateClient<T extends Pick<ClientRow, 'client_type' | 'secret_hash'>>(
  client: T | undefined,
  credentials: ClientCredentials,
  allowPublic: boolean,
): T {
  const problem = authenticationProblem(client, credentials, allowPublic);
  if (!client || problem !== undefined) throw OAUTH_ERRORS.invalidClientAuth(problem ?? 'no such client');
  return client;
}

/** The request's form or JSON body as an object: `{}` when there is none (or it is not an object). */
export function bodyOf(req: Request): Record<string, unknown> {
  return req.body && typeof req.body === 'object' && !Array.isArray(req.body)
    ? (req.body as Record<string, unknown>)
    : {};
}
