// The token endpoint's tests share this: an issued authorization code (with its client, user and
// PKCE pair), and the code exchange posted with its six fields by default.
//
//   const issued = await issueCode(db.knex);
//   await exchangeCode(app, issued).expect(200);
//   await exchangeCode(app, issued, { code_verifier: undefined });   // undefined leaves a field out
import request from 'supertest';
import type { Knex } from 'knex';
import type { Express } from 'express';
import { pkcePair } from '../helpers/browser';
import { buildAuthorizationCode, buildClient, buildUser } from '../factories';
import { CB } from './authorize-helpers';

export type Fields = Record<string, string | undefined>;

/** A client (confidential unless overridden), a user, and a code issued to them with an S256 challenge. */
export async function issueCode(
  knex: Knex,
  clientOverrides: Parameters<typeof buildClient>[1] = {},
  codeOverrides: Parameters<typeof buildAuthorizationCode>[1] = {},
) {
  const client = await buildClient(knex, clientOverrides);
  const user = await buildUser(knex);
  const pkce = pkcePair();
  const code = await buildAuthorizationCode(knex, {
    client_id: client.id,
    user_id: user.id,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...codeOverrides,
  });
  return { client, user, pkce, code };
}

export type IssuedCode = Awaited<ReturnType<typeof issueCode>>;

/** The fields that are not undefined. */
const defined = (fields: Fields): Record<string, string> =>
  Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));

/** POST /oauth/token as a form; fields that are undefined are not sent. */
export function postToken(app: Express, fields: Fields) {
  return request(app).post('/oauth/token').type('form').send(defined(fields));
}

/**
 * The code exchange's fields: grant_type, code, redirect_uri, code_verifier, client_id and
 * client_secret (none for a public client); an override of undefined leaves a field out.
 */
export function codeExchangeFields({ client, pkce, code }: IssuedCode, overrides: Fields = {}): Record<string, string> {
  return defined({
    grant_type: 'authorization_code',
    code: code.code,
    redirect_uri: CB,
    code_verifier: pkce.verifier,
    client_id: client.client_id,
    client_secret: client.secret,
    ...overrides,
  });
}

/** Exchanges the issued code, with `overrides` (undefined leaves a field out). */
export function exchangeCode(app: Express, issued: IssuedCode, overrides: Fields = {}) {
  return postToken(app, codeExchangeFields(issued, overrides));
}

/**
 * The library's own descriptions of its refusals (@node-oauth/oauth2-server 5.3: lib/grant-types/
 * and lib/handlers/token-handler.js), so a test names the check that refused, not only the code.
 * Ours are the entries of OAUTH_ERRORS (src/oauth/protocol.ts).
 */
export const LIBRARY_REFUSALS = {
  codeInvalid: { error: 'invalid_grant', error_description: 'Invalid grant: authorization code is invalid' },
  codeExpired: { error: 'invalid_grant', error_description: 'Invalid grant: authorization code has expired' },
  verifierMissing: { error: 'invalid_grant', error_description: 'Missing parameter: `code_verifier`' },
  verifierInvalid: { error: 'invalid_grant', error_description: 'Invalid grant: code verifier is invalid' },
  refreshInvalid: { error: 'invalid_grant', error_description: 'Invalid grant: refresh token is invalid' },
  refreshOfAnotherClient: {
    error: 'invalid_grant',
    error_description: 'Invalid grant: refresh token was issued to another client',
  },
  refreshExpired: { error: 'invalid_grant', error_description: 'Invalid grant: refresh token has expired' },
  extraScopes: { error: 'invalid_scope', error_description: 'Invalid scope: Unable to add extra scopes' },
  clientInvalid: { error: 'invalid_client', error_description: 'Invalid client: client is invalid' },
  missingGrantType: { error: 'invalid_request', error_description: 'Missing parameter: `grant_type`' },
} as const;

export type OAuthErrorBody = { error: string; error_description: string };
