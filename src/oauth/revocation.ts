// POST /oauth/revoke (RFC 7009) and POST /oauth/introspect (RFC 7662). The client and the
// token it names are read in one statement; the client is authenticated before the token is used.
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../config';
import {
  OAUTH_ERRORS,
  authenticateClient,
  bodyOf,
  oauthBodyParsers,
  oauthParameters,
  requireClientCredentials,
  sendOAuthJson,
} from './protocol';
import {
  findClientWithToken,
  isAccessTokenActive,
  isRefreshTokenActive,
  refreshTokenExpiresAt,
  revokeFamily,
  revokeToken,
} from './store';

const PARAMETERS = ['token', 'token_type_hint', 'client_id', 'client_secret'] as const;

/** The client, authenticated, and the token its request names (400 when none is named). */
async function authenticatedLookup(knex: Knex, req: Parameters<RequestHandler>[0], allowPublic: boolean) {
  const body = oauthParameters(bodyOf(req), PARAMETERS); // each once, as a string (RFC 6749 §3.2)
  const credentials = requireClientCredentials(req, body);
  const token = body.token ?? '';
  const found = await findClientWithToken(knex, credentials.clientId, token);
  const client = authenticateClient(found.client, credentials, allowPublic);
  if (token === '') throw OAUTH_ERRORS.missingToken();
  return { client, token: found.token };
}

export function revocationRoutes(
  knex: Knex,
  config: Pick<Config, 'baseUrl' | 'refreshFamilyMaxDays'>,
  limiter: RequestHandler,
): Router {
  const router = Router();
  const issuer = config.baseUrl;

  // 200 with {} whatever the token was (unknown, another client's, already revoked): RFC 7009 §2.2.
  router.post('/oauth/revoke', limiter, ...oauthBodyParsers, async (req, res) => {
    // token_type_hint is optional help for a server (RFC 7009 §2.1); one lookup finds either kind.
    const { client, token: found } = await authenticatedLookup(knex, req, true);
    if (found && found.client_id === client.id) {
      // A refresh token takes its whole family with it; an access token its own grant row.
      if (found.kind === 'refresh_token') await revokeFamily(knex, found.family_id);
      else await revokeToken(knex, found.id);
    }
    sendOAuthJson(res, 200, {});
  });

  // Confidential clients only, about their own tokens; anything else is {"active": false}.
  router.post('/oauth/introspect', limiter, ...oauthBodyParsers, async (req, res) => {
    const { client, token: row } = await authenticatedLookup(knex, req, false);
    const active =
      !!row &&
      row.client_id === client.id &&
      (row.kind === 'access_token' ? isAccessTokenActive(row) : isRefreshTokenActive(row, config.refreshFamilyMaxDays));
    if (!active || !row) {
      sendOAuthJson(res, 200, { active: false });
      return;
    }
    const expiresAt =
      row.kind === 'access_token'
        ? row.access_token_expires_at
        : (refreshTokenExpiresAt(row, config.refreshFamilyMaxDays) as Date);
    sendOAuthJson(res, 200, {
      active: true,
      scope: row.scope.join(' '),
      client_id: row.client_public_id,
      username: row.email,
      sub: row.user_id,
      token_type: row.kind === 'access_token' ? 'bearer' : 'refresh_token',
      exp: Math.floor(expiresAt.getTime() / 1000),
      iat: Math.floor(row.created_at.getTime() / 1000),
      iss: issuer,
    });
  });

  return router;
}
