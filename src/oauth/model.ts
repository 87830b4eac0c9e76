// The model @node-oauth/oauth2-server calls. The library runs the grants; this file adds what
// it lacks (../shared/notes/oauth-library.md §2.5): public clients never authenticate with a
// secret and confidential ones always do, a code is spent by the very statement that stores
// its tokens (and by the grant when it refuses, server.ts) and a replay revokes the family it
// started, a refresh token is spent and its successor stored by one statement, and a rotated
// refresh token presented again revokes its whole family.
//
// The `user` object the library carries from getAuthorizationCode / getRefreshToken into
// saveToken is how a new token learns its code or the refresh token it replaces.
import type { Knex } from 'knex';
import {
  InvalidGrantError,
  ServerError,
  type AuthorizationCodeModel,
  type RefreshTokenModel,
} from '@node-oauth/oauth2-server';
import { generateToken } from '../security/tokens';
import * as store from './store';
import type { ClientRow } from './clients';
import { redirectUriMatches } from './redirect-uris';
import { GRANT_TYPES } from './metadata';

export interface OAuthUser {
  id: string;
  /** Set when the token is issued from a code (a new family; replay revokes it). */
  authorizationCodeId?: string;
  /** Set when the token replaces a refreshed one: the row spent by the rotation, and its family. */
  refreshed?: { tokenId: string; familyId: string };
}

export interface ModelSettings {
  /** REFRESH_FAMILY_MAX_DAYS: no refresh token of a family outlives its start by more. */
  refreshFamilyMaxDays: number;
}

export interface OAuthClient {
  id: string; // our primary key (oauth_clients.id)
  clientId: string; // the public identifier
  name: string;
  type: ClientRow['client_type'];
  redirectUris: string[];
  grants: string[];
  accessTokenLifetime: number;
  refreshTokenLifetime: number;
}

export function toOAuthClient(row: store.TokenClient): OAuthClient {
  return {
    id: row.id,
    clientId: row.client_id,
    name: row.name,
    type: row.client_type,
    redirectUris: row.redirect_uris,
    grants: [...GRANT_TYPES],
    accessTokenLifetime: store.ACCESS_TOKEN_LIFETIME_SECONDS,
    refreshTokenLifetime: store.REFRESH_TOKEN_LIFETIME_SECONDS,
  };
}

export type Model = AuthorizationCodeModel & RefreshTokenModel;

/**
 * A client row as the library's client, if `secret` is acceptable: null at the authorization
 * endpoint (the client is only identified), a string when the client authenticated, and
 * undefined on a PKCE or refresh request without one — which only a public client may make.
 */
function clientIfAuthenticated(row: store.TokenClient | undefined, secret?: string | null): OAuthClient | false {
  if (!row) return false;
  if (secret === null) return toOAuthClient(row);
  if (row.client_type === 'public') return secret === undefined ? toOAuthClient(row) : false;
  return typeof secret === 'string' && store.secretMatches(row, secret) ? toOAuthClient(row) : false;
}

/**
 * A code row as the library's code. A code presented again once spent is a replay: the family
 * it started is revoked (RFC 6749 §4.1.2). The code is spent by saveToken, in the statement
 * that stores its tokens; a refused exchange spends it too (server.ts), so the first
 * presentation uses a code up whatever follows.
 */
async function authorizationCodeOf(knex: Knex, row: store.CodeRow | undefined, code: string) {
  if (!row) return false;
  if (row.consumed_at) {
    await store.revokeTokensOfCode(knex, row.id);
    return false;
  }
  return {
    authorizationCode: code,
    expiresAt: row.expires_at,
    redirectUri: row.redirect_uri,
    scope: row.scope,
    codeChallenge: row.code_challenge ?? undefined,
    codeChallengeMethod: row.code_challenge_method ?? undefined,
    client: { id: row.client_id, grants: [] },
    user: { id: row.user_id, authorizationCodeId: row.id } satisfies OAuthUser,
  };
}

/** A refresh token's row as the library's; a family past its absolute lifetime reads as expired. */
async function refreshTokenOf(
  knex: Knex,
  settings: ModelSettings,
  row: store.TokenRow | undefined,
  refreshToken: string,
) {
  if (!row || row.revoked_at) return false;
  if (row.refresh_used_at) {
    await store.revokeFamily(knex, row.family_id); // a spent refresh token came back: assume theft
    return false;
  }
  return {
    refreshToken,
    refreshTokenExpiresAt: store.refreshTokenExpiresAt(row, settings.refreshFamilyMaxDays) ?? undefined,
    scope: row.scope,
    client: { id: row.client_id, grants: [] },
    user: { id: row.user_id, refreshed: { tokenId: row.id, familyId: row.family_id } } satisfies OAuthUser,
  };
}

export function createModel(knex: Knex, settings: ModelSettings): Model {
  return {
    generateAccessToken: () => Promise.resolve(generateToken('access')),
    generateRefreshToken: () => Promise.resolve(generateToken('refresh')),
    generateAuthorizationCode: () => Promise.resolve(generateToken('code')),

    async getClient(clientId: string, secret?: string | null) {
      return clientIfAuthenticated(await store.findClientByClientId(knex, clientId), secret);
    },

    /** The library's own check at the authorization endpoint: loopback URIs on any port (RFC 8252 §7.3). */
    validateRedirectUri(redirectUri: string, client) {
      const registered = client.redirectUris ?? [];
      return Promise.resolve(
        redirectUriMatches(typeof registered === 'string' ? [registered] : registered, redirectUri),
      );
    },

    async saveAuthorizationCode(code, client, user) {
      const u = user as OAuthUser;
      await store.saveCode(knex, code.authorizationCode, {
        client_id: client.id,
        user_id: u.id,
        redirect_uri: code.redirectUri,
        scope: code.scope ?? [],
        code_challenge: code.codeChallenge ?? null,
        code_challenge_method: code.codeChallengeMethod ?? null,
        expires_at: code.expiresAt,
      });
      return { ...code, client, user };
    },

    /** Reads a code (a named statement); see authorizationCodeOf. */
    async getAuthorizationCode(code) {
      return authorizationCodeOf(knex, await store.findCode(knex, code), code);
    },

    /** Spent by saveToken, with the tokens, or by the grant when it refuses. */
    revokeAuthorizationCode() {
      return Promise.resolve(true);
    },

    async saveToken(token, client, user) {
      const u = user as OAuthUser;
      const issued = {
        accessToken: token.accessToken,
        accessTokenExpiresAt: token.accessTokenExpiresAt as Date,
        refreshToken: token.refreshToken,
        refreshTokenExpiresAt: token.refreshTokenExpiresAt,
        scope: token.scope ?? [],
      };
      if (u.refreshed) {
        const { refreshToken, refreshTokenExpiresAt } = issued;
        if (!refreshToken || !refreshTokenExpiresAt) throw new Error('A rotation must issue a refresh token.');
        const rotated = await store.rotateRefreshToken(
          knex,
          u.refreshed.tokenId,
          { ...issued, refreshToken, refreshTokenExpiresAt },
          settings.refreshFamilyMaxDays,
        );
        if (!rotated) {
          // Spent (or revoked) since getRefreshToken read it: a concurrent use of one refresh token.
          await store.revokeFamily(knex, u.refreshed.familyId);
          throw new InvalidGrantError('Invalid grant: refresh token is invalid');
        }
      } else {
        if (!u.authorizationCodeId) throw new Error('A new family is issued from a code.');
        const issuedFromCode = await store.spendCodeForTokens(
          knex,
          u.authorizationCodeId,
          issued,
          settings.refreshFamilyMaxDays,
        );
        if (!issuedFromCode) {
          // Spent since getAuthorizationCode read it: a concurrent redemption (a replay) won, and
          // committed its tokens before this statement went on; they are revoked, as for any replay.
          await store.revokeTokensOfCode(knex, u.authorizationCodeId);
          throw new InvalidGrantError('Invalid grant: authorization code is invalid');
        }
      }
      return { ...token, client, user: { id: u.id } };
    },

    /**
     * Never called: only the library's authenticate handler calls it (oauth.authenticate(), or
     * oauth.authorize() without an authenticateHandler), and this server uses neither: API requests
     * authenticate in ../auth/api-authentication.ts, the authorize endpoint passes its own handler.
     * It stays because the library's types require it of every model; it refuses loudly if a
     * change ever starts calling it. (verifyScope, optional in the types, is gone for that reason.)
     */
    getAccessToken() {
      return Promise.reject(
        new ServerError('Access tokens are checked by ../auth/api-authentication.ts, not by the OAuth library.'),
      );
    },

    /** A family past its absolute lifetime reads as expired: the library answers invalid_grant. */
    async getRefreshToken(refreshToken) {
      return refreshTokenOf(knex, settings, await store.findTokenByRefreshToken(knex, refreshToken), refreshToken);
    },

    /**
     * The library "revokes" before it checks the requested scope and stores the successor;
     * spending here would burn the token on a refused scope, and leave a moment with the old
     * token spent and no successor. saveToken spends it and stores the successor in one statement.
     */
    revokeToken() {
      return Promise.resolve(true);
    },

    validateScope(_user, _client, scope) {
      return Promise.resolve(scope ?? false);
    },
  };
}

/** `read`, run on the first call only; later calls share its promise. */
function once<T>(read: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= read());
}

/** What a token request presents, as read from it (protocol.ts). */
export interface TokenRequestParts {
  clientId?: string;
  grantType?: string;
  code?: string;
  refreshToken?: string;
}

/**
 * The model for one token request: its client and the code or refresh token it presents are
 * read together, once, in one statement (store.findClientAndCode / findClientAndRefreshToken),
 * and handed to the library when it asks for each — it asks one after the other, which was a
 * round trip more per exchange (#18). Nothing is read before the library asks for the client,
 * and a grant is only acted on (a replay's revocation) after the client authenticated.
 */
export function tokenRequestModel(knex: Knex, settings: ModelSettings, model: Model, parts: TokenRequestParts): Model {
  const { clientId, code, refreshToken } = parts;
  if (!clientId) return model;
  /** The client from the shared read when it is the one read; any other through `model`. */
  const clientFrom =
    (load: () => Promise<{ client?: store.TokenClient }>): Model['getClient'] =>
    async (id, secret) =>
      id === clientId ? clientIfAuthenticated((await load()).client, secret) : model.getClient(id, secret);
  if (parts.grantType === 'authorization_code' && code) {
    const load = once(() => store.findClientAndCode(knex, clientId, code));
    return {
      ...model,
      getClient: clientFrom(load),
      getAuthorizationCode: async (presented) =>
        presented === code
          ? authorizationCodeOf(knex, (await load()).grant, code)
          : model.getAuthorizationCode(presented),
    };
  }
  if (parts.grantType === 'refresh_token' && refreshToken) {
    const load = once(() => store.findClientAndRefreshToken(knex, clientId, refreshToken));
    return {
      ...model,
      getClient: clientFrom(load),
      getRefreshToken: async (presented) =>
        presented === refreshToken
          ? refreshTokenOf(knex, settings, (await load()).grant, refreshToken)
          : model.getRefreshToken(presented),
    };
  }
  return model;
}
