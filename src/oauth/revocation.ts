// POST /oauth/revoke (RFC 7009) and POST /oauth/introspect (RFC 7662).
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import { hashToken } from '../security/tokens';
import { OAuthProtocolError, authenticateClient, bodyOf, oauthBodyParsers, sendOAuthJson } from './protocol';
import { isAccessTokenActive, isRefreshTokenActive, revokeFamily, revokeToken, type TokenRow } from './store';

type Found = { row: TokenRow & { client_public_id: string; email: string }; kind: 'access_token' | 'refresh_token' };

/** One indexed lookup per kind, in the order the hint suggests. */
async function findToken(knex: Knex, token: string, hint: unknown): Promise<Found | undefined> {
  const digest = hashToken(token);
  const kinds: Found['kind'][] = hint === 'refresh_token' ? ['refresh_token', 'access_token'] : ['access_token', 'refresh_token'];
  for (const kind of kinds) {
    const row = await knex('oauth_tokens as t')
      .join('oauth_clients as c', 'c.id', 't.client_id')
      .join('users as u', 'u.id', 't.user_id')
      .where(kind === 'access_token' ? 't.access_token_hash' : 't.refresh_token_hash', digest)
      .first('t.*', 'c.client_id as client_public_id', 'u.email');
    if (row) return { row, kind };
  }
  return undefined;
}

function tokenParam(body: Record<string, unknown>): string {
  if (typeof body.token !== 'string' || body.token === '') throw new OAuthProtocolError('invalid_request', 'The token parameter is missing.');
  return body.token;
}

export function revocationRoutes(knex: Knex, issuer: string, limiter: RequestHandler): Router {
  const router = Router();

  // 200 with {} whatever the token was (unknown, another client's, already revoked): RFC 7009 §2.2.
  router.post('/oauth/revoke', limiter, ...oauthBodyParsers, async (req, res) => {
    const body = bodyOf(req);
    const client = await authenticateClient(knex, req, body, true);
    const found = await findToken(knex, tokenParam(body), body.token_type_hint);
    if (found && found.row.client_id === client.id) {
      // A refresh token takes its whole family with it; an access token its own grant row.
      if (found.kind === 'refresh_token') await revokeFamily(knex, found.row.family_id);
      else await revokeToken(knex, found.row.id);
    }
    sendOAuthJson(res, 200, {});
  });

  // Confidential clients only, about their own tokens; anything else is {"active": false}.
  router.post('/oauth/introspect', limiter, ...oauthBodyParsers, async (req, res) => {
    const body = bodyOf(req);
    const client = await authenticateClient(knex, req, body, false);
    const found = await findToken(knex, tokenParam(body), body.token_type_hint);
    const row = found?.row;
    const active = !!row && row.client_id === client.id && (found.kind === 'access_token' ? isAccessTokenActive(row) : isRefreshTokenActive(row));
    if (!active || !row || !found) {
      sendOAuthJson(res, 200, { active: false });
      return;
    }
    const expiresAt = found.kind === 'access_token' ? row.access_token_expires_at : (row.refresh_token_expires_at as Date);
    sendOAuthJson(res, 200, {
      active: true,
      scope: row.scope.join(' '),
      client_id: row.client_public_id,
      username: row.email,
      sub: row.user_id,
      token_type: found.kind === 'access_token' ? 'bearer' : 'refresh_token',
      exp: Math.floor(expiresAt.getTime() / 1000),
      iat: Math.floor(row.created_at.getTime() / 1000),
      iss: issuer,
    });
  });

  return router;
}
