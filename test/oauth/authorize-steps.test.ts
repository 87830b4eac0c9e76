// The authorization endpoint's pipeline, step by step (src/oauth/authorize-request.ts): each
// step's refusals, recognised by the catalogue entry (code and description) the client or user
// is given, so a test of one step fails if another step refused instead.
import { useTestDatabase } from '../helpers/db';
import { testApp } from '../helpers/app';
import { browser, redirectParams } from '../helpers/browser';
import { REQUEST_STEPS } from '../../src/oauth/authorize-request';
import { OAUTH_ERRORS, type OAuthFailure } from '../../src/oauth/protocol';
import { buildClient } from '../factories';
import { authorizeUrl, authorizeWorld, baseParams, CB, ISSUER } from './authorize-helpers';

const db = useTestDatabase();

/** The query string of `params` with `name` sent a second time. */
const withRepeat = (params: Record<string, string>, name: string) =>
  `/oauth/authorize?${new URLSearchParams([...Object.entries(params), [name, params[name] ?? 'x']]).toString()}`;

describe('client and redirect_uri: a page naming the problem, before any login', () => {
  /** The error page's text for `url`, asked by a browser nobody signed in to. */
  const page = async (url: string) => {
    const res = await browser(testApp(db.db)).agent.get(url).expect(400);
    expect(res.headers.location).toBeUndefined();
    return res.text;
  };

  it('client: refuses a missing client_id and an unknown one', async () => {
    expect(await page(authorizeUrl({ response_type: 'code' }))).toContain(OAUTH_ERRORS.missingClientId().description);
    expect(await page(authorizeUrl(baseParams('nope')))).toContain(OAUTH_ERRORS.unknownClient('nope').description);
  });

  it('redirect_uri: refuses one that is not registered, one sent twice, and none when several are registered', async () => {
    const client = await buildClient(db.knex, { redirect_uris: [CB, 'https://app.example.com/cb'] });
    const params = baseParams(client.client_id) as Record<string, string>;
    expect(await page(authorizeUrl({ ...params, redirect_uri: 'https://evil.example/cb' }))).toContain(
      OAUTH_ERRORS.redirectUriNotRegistered(client.client_id, 'https://evil.example/cb').description,
    );
    expect(await page(withRepeat(params, 'redirect_uri'))).toContain(OAUTH_ERRORS.repeatedRedirectUri().description);
    expect(await page(authorizeUrl({ ...params, redirect_uri: undefined }))).toContain(
      OAUTH_ERRORS.redirectUriRequired(client.client_id).description,
    );
  });
});

describe('response_type → scope → pkce → state: back to the client (an operator app: trusted)', () => {
  it('runs the steps in this order', () => {
    expect(REQUEST_STEPS.map((step) => step.name)).toEqual(['response_type', 'scope', 'pkce', 'state']);
  });

  const refusal = async (url: (clientId: string) => string, clientOverrides = {}) => {
    const { client, b } = await authorizeWorld(db, clientOverrides);
    const res = await b.agent.get(url(client.client_id)).expect(302);
    expect(res.headers.location?.startsWith(`${CB}?`)).toBe(true);
    const { error, error_description, iss } = redirectParams(res.headers.location);
    expect(iss).toBe(ISSUER);
    return { error, error_description };
  };
  const query = (extra: Record<string, string | undefined>) => (clientId: string) =>
    authorizeUrl(baseParams(clientId, extra));
  const repeated = (name: string) => (clientId: string) => withRepeat(baseParams(clientId), name);

  it.each<[string, string, (clientId: string) => string, OAuthFailure]>([
    ['response_type', 'a missing one', query({ response_type: undefined }), OAUTH_ERRORS.missingResponseType()],
    ['response_type', 'token (implicit)', query({ response_type: 'token' }), OAUTH_ERRORS.unsupportedResponseType()],
    ['response_type', 'one sent twice', repeated('response_type'), OAUTH_ERRORS.repeatedParameter('response_type')],
    ['scope', 'an unknown scope', query({ scope: 'admin' }), OAUTH_ERRORS.invalidScope()],
    ['pkce', 'plain', query({ code_challenge_method: 'plain' }), OAUTH_ERRORS.plainPkce()],
    ['pkce', 'a method without a challenge', query({ code_challenge: undefined }), OAUTH_ERRORS.missingCodeChallenge()],
    ['pkce', 'a malformed challenge', query({ code_challenge: 'short' }), OAUTH_ERRORS.malformedCodeChallenge()],
    ['pkce', 'a challenge sent twice', repeated('code_challenge'), OAUTH_ERRORS.repeatedParameter('code_challenge')],
    ['state', 'one sent twice', repeated('state'), OAUTH_ERRORS.repeatedParameter('state')],
    // Earlier steps refuse first: the scope step sees a bad scope before PKCE sees plain.
    [
      'order',
      'two faults by the earlier step',
      query({ scope: 'admin', code_challenge_method: 'plain' }),
      OAUTH_ERRORS.invalidScope(),
    ],
    [
      'order',
      'response_type before scope',
      query({ response_type: 'token', scope: 'admin' }),
      OAUTH_ERRORS.unsupportedResponseType(),
    ],
  ])('%s: refuses %s', async (_step, _name, url, entry) => {
    expect(await refusal(url)).toEqual(entry.body);
  });

  it('pkce: refuses a public client without PKCE', async () => {
    const url = query({ code_challenge: undefined, code_challenge_method: undefined });
    expect(await refusal(url, { client_type: 'public' })).toEqual(OAUTH_ERRORS.pkceRequired().body);
  });

  it('the refusals are the only ones of their step: a confidential client may omit PKCE, any client the state', async () => {
    const { client, b } = await authorizeWorld(db);
    const url = authorizeUrl(
      baseParams(client.client_id, { code_challenge: undefined, code_challenge_method: undefined, state: undefined }),
    );
    expect((await b.agent.get(url).expect(200)).text).toContain('Approve');
  });
});
