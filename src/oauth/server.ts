// The @node-oauth/oauth2-server instance and its options (SPEC §3).
import OAuth2Server from '@node-oauth/oauth2-server';
import type { Knex } from 'knex';
import { createModel } from './model';
import { ACCESS_TOKEN_LIFETIME_SECONDS, CODE_LIFETIME_SECONDS, REFRESH_TOKEN_LIFETIME_SECONDS } from './store';

export function createOAuthServer(knex: Knex): OAuth2Server {
  return new OAuth2Server({
    model: createModel(knex),
    authorizationCodeLifetime: CODE_LIFETIME_SECONDS,
    accessTokenLifetime: ACCESS_TOKEN_LIFETIME_SECONDS,
    refreshTokenLifetime: REFRESH_TOKEN_LIFETIME_SECONDS,
    allowEmptyState: true, // `state` is optional (the documented SeatShare flow sends none)
    alwaysIssueNewRefreshToken: true, // rotation
    // Public clients refresh with client_id alone; the model refuses a confidential client
    // that sends no secret, so this relaxes nothing for them.
    requireClientAuthentication: { refresh_token: false },
    enablePlainPKCE: false,
  } as OAuth2Server.ServerOptions);
}
