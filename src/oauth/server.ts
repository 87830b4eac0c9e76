// The @node-oauth/oauth2-server instance and its options (SPEC §3), with our authorization_code
// grant: the library's, spending a code it refuses and answering a changed redirect_uri with
// invalid_grant (RFC 6749 §5.2).
import OAuth2Server, {
  InvalidGrantError,
  InvalidRequestError,
  OAuthError,
  ServerError,
} from '@node-oauth/oauth2-server';
import type { Knex } from 'knex';
import { createModel, tokenRequestModel, type Model, type ModelSettings, type TokenRequestParts } from './model';
import {
  ACCESS_TOKEN_LIFETIME_SECONDS,
  CODE_LIFETIME_SECONDS,
  REFRESH_TOKEN_LIFETIME_SECONDS,
  spendRefusedCode,
} from './store';
import { OAUTH_ERRORS, type OAuthFailure } from './protocol';

interface CodeGrant extends OAuth2Server.AbstractGrantType {
  model: unknown;
  handle(request: OAuth2Server.Request, client: OAuth2Server.Client): Promise<OAuth2Server.Token>;
  validateRedirectUri(request: OAuth2Server.Request, code: OAuth2Server.AuthorizationCode): void;
}

// The library exports AbstractGrantType only; its authorization_code grant (PKCE checked after the
// code is spent, since 5.3) is the one to build on, registered through `extendedGrantTypes`.
// `require`: the package ships no types for this file, so its shape is declared above.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an untyped deep file, typed by the cast
const LibraryCodeGrant = require('@node-oauth/oauth2-server/lib/grant-types/authorization-code-grant-type') as new (
  options: OAuth2Server.TokenOptions,
) => CodeGrant;

/** A catalogue entry as the library's own error, which the library's token handler passes on as a refusal. */
function asLibraryError(failure: OAuthFailure): OAuthError {
  return failure.error === 'invalid_grant'
    ? new InvalidGrantError(failure.description)
    : new InvalidRequestError(failure.description);
}

/** A refusal the client must hear; anything else (server_error, a database error) spends nothing. */
function isRefusal(error: unknown): error is OAuthError {
  return error instanceof OAuthError && !(error instanceof ServerError);
}

function codeGrantType(knex: Knex) {
  return class CodeGrant extends LibraryCodeGrant {
    /**
     * SPEC §3: a successful exchange spends its code in the statement that stores its tokens
     * (store.spendCodeForTokens), so a replay racing it (waiting on the code's row) finds the
     * tokens to revoke. A refusal after the code was read (a wrong verifier or redirect_uri,
     * another client's or expired code) spends it before it is answered: the first
     * presentation uses a code up, whatever follows.
     */
    override async handle(request: OAuth2Server.Request, client: OAuth2Server.Client): Promise<OAuth2Server.Token> {
      try {
        return await super.handle(request, client);
      } catch (error) {
        const code = (request.body as Record<string, unknown>).code;
        if (isRefusal(error) && typeof code === 'string' && code !== '') await spendRefusedCode(knex, code);
        throw error;
      }
    }

    /**
     * RFC 6749 §4.1.3 and §5.2: the token request repeats the authorization request's
     * redirect_uri exactly (a loopback port included).
     */
    override validateRedirectUri(request: OAuth2Server.Request, code: OAuth2Server.AuthorizationCode): void {
      const given = (request.body as Record<string, unknown>).redirect_uri;
      if (given === undefined || given === '') throw asLibraryError(OAUTH_ERRORS.missingTokenRedirectUri());
      if (given !== code.redirectUri) throw asLibraryError(OAUTH_ERRORS.redirectUriChanged());
    }
  };
}

export function createOAuthServer(knex: Knex, settings: ModelSettings): OAuth2Server {
  return new OAuth2Server({
    model: createModel(knex, settings),
    authorizationCodeLifetime: CODE_LIFETIME_SECONDS,
    accessTokenLifetime: ACCESS_TOKEN_LIFETIME_SECONDS,
    refreshTokenLifetime: REFRESH_TOKEN_LIFETIME_SECONDS,
    allowEmptyState: true, // `state` is optional (the documented SeatShare flow sends none)
    alwaysIssueNewRefreshToken: true, // rotation
    // Public clients refresh with client_id alone; the model refuses a confidential client
    // that sends no secret, so this relaxes nothing for them.
    requireClientAuthentication: { refresh_token: false },
    enablePlainPKCE: false,
    extendedGrantTypes: { authorization_code: codeGrantType(knex) },
  } as OAuth2Server.ServerOptions);
}

/** For the token endpoint: the model of each request, reading its client and grant together. */
export function tokenRequestModels(knex: Knex, settings: ModelSettings): (parts: TokenRequestParts) => Model {
  const model = createModel(knex, settings);
  return (parts) => tokenRequestModel(knex, settings, model, parts);
}
