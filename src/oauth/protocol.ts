// OAuth's own dialect for the token, revocation and introspection endpoints: every reply,
// success or error, is JSON (RFC 6749 §5), never cached, and a 401 carries a parseable
// WWW-Authenticate. Client credentials come from HTTP Basic (form-urlencoded inside, RFC 6749
// §2.3.1: strict clients send `my%2Dapp`) or from the body — never both, never the query.
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { toHttpError } from '../errors';
import type { ClientRow } from './clients';
import { secretMatches } from './store';

export const CLIENT_CHALLENGE = 'Basic realm="seatshare"';

export class OAuthProtocolError extends Error {
  constructor(
    readonly error: string,
    description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

export function sendOAuthJson(res: Response, status: number, body: object): void {
  res.status(status).set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(body);
}

export function sendOAuthError(res: Response, status: number, error: string, description: string): void {
  if (status === 401) res.set('WWW-Authenticate', CLIENT_CHALLENGE);
  sendOAuthJson(res, status, { error, error_description: description });
}

/** Form or JSON bodies up to 100 kB. */
export const oauthBodyParsers: RequestHandler[] = [
  express.urlencoded({ extended: false, limit: '100kb' }),
  express.json({ limit: '100kb' }),
];

/** Errors raised before or around the protocol code (body parser, rate limit, database) in OAuth's dialect. */
export const oauthErrorHandler: ErrorRequestHandler = (error, req, res, next) => {
  if (res.headersSent) return next(error);
  if (error instanceof OAuthProtocolError) return sendOAuthError(res, error.status, error.error, error.message);
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
    if (typeof value !== 'string')
      throw new OAuthProtocolError('invalid_request', `The ${name} parameter must be sent once, as a string.`);
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
  if (!match) throw new OAuthProtocolError('invalid_client', 'The Authorization header is not valid HTTP Basic.', 401);
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0)
    throw new OAuthProtocolError('invalid_client', 'The Authorization header is not valid HTTP Basic.', 401);
  try {
    const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthProtocolError('invalid_client', 'The client credentials are not correctly encoded.', 401);
  }
}

/** Reads client credentials from a request, refusing ambiguous or query-string credentials. */
export function readClientCredentials(req: Request, body: Record<string, unknown>): ClientCredentials | undefined {
  const header = req.get('authorization');
  const bodySecret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
  const bodyId = typeof body.client_id === 'string' ? body.client_id : undefined;
  if (header && /^basic\s/i.test(header)) {
    if (bodySecret !== undefined)
      throw new OAuthProtocolError(
        'invalid_request',
        'Use one client authentication method, not both HTTP Basic and client_secret.',
      );
    const { id, secret } = decodeBasic(header);
    if (bodyId !== undefined && bodyId !== id)
      throw new OAuthProtocolError('invalid_request', 'client_id does not match the HTTP Basic credentials.');
    return { clientId: id, clientSecret: secret, viaBasic: true };
  }
  if (bodyId === undefined) return undefined;
  return { clientId: bodyId, clientSecret: bodySecret, viaBasic: false };
}

/** The client credentials of a /oauth/revoke or /oauth/introspect request; 401 without any. */
export function requireClientCredentials(req: Request, body: Record<string, unknown>): ClientCredentials {
  const credentials = readClientCredentials(req, body);
  if (!credentials) throw new OAuthProtocolError('invalid_client', 'Client authentication is required.', 401);
  // A client_id is VSCHARs (RFC 6749 Appendix A.1): anything else names no client, and a NUL
  // would only reach the database to be refused there.
  if (!/^[\x20-\x7E]+$/.test(credentials.clientId))
    throw new OAuthProtocolError('invalid_client', 'Client authentication failed.', 401);
  return credentials;
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
  const authenticated =
    client &&
    (client.client_type === 'confidential'
      ? credentials.clientSecret !== undefined && secretMatches(client, credentials.clientSecret)
      : allowPublic && credentials.clientSecret === undefined);
  if (!client || !authenticated) throw new OAuthProtocolError('invalid_client', 'Client authentication failed.', 401);
  return client;
}

/** The request's form or JSON body as an object: `{}` when there is none (or it is not an object). */
export function bodyOf(req: Request): Record<string, unknown> {
  return req.body && typeof req.body === 'object' && !Array.isArray(req.body)
    ? (req.body as Record<string, unknown>)
    : {};
}
