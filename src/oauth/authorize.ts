// The authorization endpoint's protocol (SPEC §3), without its pages: the consent page
// (../web/consent-page.ts) asks `validate` what a request amounts to, shows what it must, and
// hands the user's decision back (`approve`, `deny`). The steps (authorize-request.ts):
//   client → redirect_uri   failures: `refused`, an error page (400), never a redirect
//   login                   not signed in: `login`
//   response_type → scope → PKCE → state   failures: `error`, a redirect with error, state and
//                           iss — at once only to a trusted redirect URI, else a page with a link
//   consent                 remembered for confidential clients only
import OAuth2Server from '@node-oauth/oauth2-server';
import type { Knex } from 'knex';
import type { Config } from '../config';
import { notifyAppAuthorized } from '../accounts/notifications';
import { checkRequest, identifyClient, type AuthorizationRequest } from './authorize-request';
import type { ClientWithOwner } from './clients';
import { findConsentWithDate } from './consents';
import { OAUTH_ERRORS, OAuthFailure } from './protocol';
import { coversScope } from './scopes';
import { saveConsent } from './store';

export type { AuthorizationRequest } from './authorize-request';

/** What an authorization request amounts to, for the page to act on. */
export type Validation =
  /** The client or its redirect_uri cannot be trusted: tell the user only (a page). */
  | { outcome: 'refused'; failure: OAuthFailure }
  /** Nobody is signed in: to the login page, and back. */
  | { outcome: 'login' }
  /**
   * An error for the client (RFC 6749 §4.1.2.1) at `url`. Anyone may register an app with any
   * redirect URI, so sending the user there at once would make SeatShare an open redirector
   * (RFC 9700 §4.11.2): only a `trusted` URI gets the redirect — an operator's app, or one this
   * user has approved before; otherwise the user decides whether to follow a link back.
   */
  | {
      outcome: 'error';
      failure: OAuthFailure;
      client: ClientWithOwner;
      redirectUri: string;
      url: string;
      trusted: boolean;
    }
  | { outcome: 'valid'; request: AuthorizationRequest };

export interface ConsentState {
  /** A confidential client the user approved for these scopes: no page, a code at once. */
  remembered: boolean;
  lastApproved: Date | undefined;
}

export interface AuthorizationEndpoint {
  validate(params: Record<string, unknown>, userId: string | undefined): Promise<Validation>;
  consentState(userId: string, request: AuthorizationRequest): Promise<ConsentState>;
  /** Mints a code (and remembers the consent when `remember`); the URL to redirect to with it. */
  approve(userId: string, request: AuthorizationRequest, options: { remember: boolean }): Promise<string>;
  /** The user said no: the URL of the access_denied redirect. */
  deny(request: AuthorizationRequest): string;
  /** A validated request as the parameters the library mints a code from and the consent form posts back. */
  requestParameters(request: AuthorizationRequest): Record<string, string | undefined>;
}

function requestParameters(request: AuthorizationRequest): Record<string, string | undefined> {
  return {
    client_id: request.client.client_id,
    redirect_uri: request.redirectUri,
    response_type: 'code',
    scope: request.scope.join(' '),
    state: request.state,
    code_challenge: request.codeChallenge,
    code_challenge_method: request.codeChallengeMethod,
  };
}

export function authorizationEndpoint(knex: Knex, oauth: OAuth2Server, config: Config): AuthorizationEndpoint {
  const issuer = config.baseUrl;

  /** The client's redirect_uri (its own query kept) with the response parameters and `iss`. */
  const responseUrl = (redirectUri: string, params: Record<string, string | undefined>): string => {
    const url = new URL(redirectUri);
    for (const [key, value] of Object.entries({ ...params, iss: issuer })) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    return url.toString();
  };

  const isTrusted = async (userId: string, client: ClientWithOwner) =>
    client.owner_id === null || (await findConsentWithDate(knex, userId, client.id)) !== undefined;

  const issueCode = async (userId: string, request: AuthorizationRequest): Promise<string> => {
    const oauthRequest = new OAuth2Server.Request({
      method: 'POST',
      headers: {},
      query: {},
      body: requestParameters(request),
    });
    const code = await oauth.authorize(oauthRequest, new OAuth2Server.Response(), {
      authenticateHandler: { handle: () => ({ id: userId }) },
    });
    return responseUrl(request.redirectUri, { code: code.authorizationCode, state: request.state });
  };

  return {
    async validate(params, userId) {
      let identified: Awaited<ReturnType<typeof identifyClient>>;
      try {
        identified = await identifyClient(knex, params);
      } catch (error) {
        if (error instanceof OAuthFailure) return { outcome: 'refused', failure: error };
        throw error;
      }
      if (userId === undefined) return { outcome: 'login' };
      const { client, redirectUri } = identified;
      try {
        return { outcome: 'valid', request: { client, redirectUri, ...checkRequest(params, client) } };
      } catch (error) {
        if (!(error instanceof OAuthFailure)) throw error;
        const state = typeof params.state === 'string' ? params.state : undefined;
        const url = responseUrl(redirectUri, { ...error.body, state });
        return { outcome: 'error', failure: error, client, redirectUri, url, trusted: await isTrusted(userId, client) };
      }
    },

    async consentState(userId, request) {
      const consent = await findConsentWithDate(knex, userId, request.client.id);
      // Remembered only for confidential clients: any app on the device can claim a public
      // client's redirect URI and open this URL with its own PKCE challenge (RFC 8252 §8.6).
      const remembered =
        !!consent && request.client.client_type === 'confidential' && coversScope(consent.scope, request.scope);
      return { remembered, lastApproved: consent?.updated_at };
    },

    async approve(userId, request, { remember }) {
      if (remember)
        await knex.transaction(async (trx) => {
          const added = await saveConsent(trx, userId, request.client.id, request.scope);
          // New access (a first approval, or more scopes) is mailed to the owner (SPEC §7).
          if (added.length > 0) await notifyAppAuthorized(trx, config.baseUrl, userId, request.client, added);
        });
      return issueCode(userId, request);
    },

    deny(request) {
      return responseUrl(request.redirectUri, { ...OAUTH_ERRORS.accessDenied().body, state: request.state });
    },

    requestParameters,
  };
}
