// POST /oauth/token (form or JSON) and the documented SeatShare GET form (confidential clients
// only, with a Deprecation header). The library runs the grants; around it: every parameter a
// single string (RFC 6749 §3.2), only the grants we offer, credentials read once (Basic
// percent-decoded, never both methods, never the query string of a POST), and the reply in
// SPEC §3's shape.
import OAuth2Server, { OAuthError } from '@node-oauth/oauth2-server';
import { Router, type Request, type Response } from 'express';
import type { RequestHandler } from 'express';
import {
  OAUTH_ERRORS,
  bodyOf,
  oauthBodyParsers,
  oauthParameters,
  readClientCredentials,
  sendOAuthError,
  sendOAuthFailure,
  sendOAuthJson,
} from './protocol';
import { GRANT_TYPES } from './metadata';
import type { Model, TokenRequestParts } from './model';

/** Every parameter of the grants we offer; anything else is ignored, never handed on. */
const TOKEN_PARAMETERS = [
  'grant_type',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'scope',
  'client_id',
  'client_secret',
] as const;
type TokenParameters = Partial<Record<(typeof TOKEN_PARAMETERS)[number], string>>;

/** The model of one token request (server.ts tokenRequestModels). */
export type ModelFor = (parts: TokenRequestParts) => Model;

async function exchange(
  oauth: OAuth2Server,
  modelFor: ModelFor,
  req: Request,
  res: Response,
  params: TokenParameters,
): Promise<void> {
  // RFC 6749 §5.2: a grant type we do not offer (password, client_credentials, …) is
  // unsupported_grant_type for every client.
  if (params.grant_type && !GRANT_TYPES.includes(params.grant_type))
    throw OAUTH_ERRORS.unsupportedGrantType(params.grant_type);
  const credentials = readClientCredentials(req, params);
  const body: Record<string, string> = { ...params };
  // The library insists on a form body (type-is also wants a length to believe there is one);
  // JSON bodies and the GET form are handed to it as the parsed form they are equivalent to.
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': String(new URLSearchParams(body).toString().length),
  };
  if (credentials?.viaBasic) {
    // Hand the library plain Basic credentials (it does not percent-decode them).
    const plain = `${credentials.clientId}:${credentials.clientSecret ?? ''}`;
    headers.authorization = `Basic ${Buffer.from(plain).toString('base64')}`;
  }
  const request = new OAuth2Server.Request({ method: 'POST', headers, query: {}, body });
  const response = new OAuth2Server.Response();
  try {
    const model = modelFor({
      clientId: credentials?.clientId,
      grantType: params.grant_type,
      code: params.code,
      refreshToken: params.refresh_token,
    });
    // The library takes a model in the options of one call (they are merged over the server's);
    // its types leave it out.
    const token = await oauth.token(request, response, { model } as OAuth2Server.TokenOptions);
    sendOAuthJson(res, 200, {
      access_token: token.accessToken,
      token_type: 'bearer',
      expires_in: Math.round(((token.accessTokenExpiresAt as Date).getTime() - Date.now()) / 1000),
      refresh_token: token.refreshToken,
      scope: (token.scope ?? []).join(' '),
    });
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    if (error.name === 'server_error') {
      req.log.error({ err: error }, 'token endpoint failed');
      sendOAuthFailure(req, res, OAUTH_ERRORS.serverUnavailable());
      return;
    }
    const status = error.name === 'invalid_client' ? 401 : error.code === 401 ? 401 : 400;
    sendOAuthError(res, status, error.name, error.message);
  }
}

export function tokenRoutes(oauth: OAuth2Server, limiter: RequestHandler, modelFor: ModelFor): Router {
  const router = Router();

  router.post('/oauth/token', limiter, ...oauthBodyParsers, async (req, res) => {
    if (
      req.query.client_secret !== undefined ||
      req.query.code !== undefined ||
      req.query.refresh_token !== undefined
    ) {
      throw OAUTH_ERRORS.credentialsInQuery();
    }
    if (!req.is(['application/x-www-form-urlencoded', 'application/json'])) {
      throw OAUTH_ERRORS.unsupportedContentType();
    }
    await exchange(oauth, modelFor, req, res, oauthParameters(bodyOf(req), TOKEN_PARAMETERS));
  });

  // Express answers HEAD with the GET handler: that would spend a code and store tokens nobody
  // sees (a later GET would then revoke them as a replay).
  router.head('/oauth/token', (_req, res) => {
    res.set('Allow', 'GET, POST');
    throw OAUTH_ERRORS.headNotAToken();
  });

  // The original SeatShare docs: GET /oauth/token?client_id&client_secret&code&grant_type&redirect_uri.
  router.get('/oauth/token', limiter, async (req, res) => {
    res.set('Deprecation', 'true');
    res.set('Link', '</.well-known/oauth-authorization-server>; rel="deprecation"');
    const params = oauthParameters(req.query as Record<string, unknown>, TOKEN_PARAMETERS);
    if (params.client_secret === undefined || req.headers.authorization) {
      throw OAUTH_ERRORS.getFormNeedsSecret();
    }
    await exchange(oauth, modelFor, req, res, params);
  });

  return router;
}
