// Real clients against the app on a port: oauth4webapi (strict: discovery, PKCE, `iss`), and a
// client written against SeatShare's original docs (GET endpoints, `bearer TOKEN;`).
import { useTestDatabase } from '../helpers/db';
import { fetchBrowser, startLiveServer } from '../helpers/live-server';
import { buildClient, buildUser, FACTORY_PASSWORD } from '../factories';

const db = useTestDatabase();
const CB = 'http://127.0.0.1:9999/cb';
let live: Awaited<ReturnType<typeof startLiveServer>>;

beforeEach(async () => {
  live = await startLiveServer(db.db);
});
afterEach(() => live.close());

describe('oauth4webapi (strict modern client)', () => {
  it('discovers, authorizes with PKCE and iss, refreshes, introspects and revokes (confidential, client_secret_basic)', async () => {
    const oauth = await import('oauth4webapi');
    const insecure = { [oauth.allowInsecureRequests]: true };
    const user = await buildUser(db.knex);
    const registered = await buildClient(db.knex, { redirect_uris: [CB] });

    const issuer = new URL(live.baseUrl);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    expect(as.authorization_response_iss_parameter_supported).toBe(true);
    const client = { client_id: registered.client_id };
    const auth = oauth.ClientSecretBasic(registered.secret!); // form-encodes - and _ (RFC 6749 §2.3.1)

    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: CB,
      response_type: 'code',
      scope: 'read write',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();

    const callback = await fetchBrowser(live.baseUrl).authorize(url.toString(), user.email, FACTORY_PASSWORD);
    const params = oauth.validateAuthResponse(as, client, new URL(callback), state); // checks iss and state
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, auth, params, CB, verifier, insecure),
    );
    expect(tokens.token_type).toBe('bearer');

    const me = await fetch(`${live.baseUrl}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: string }).id).toBe(user.id);

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure),
    );
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    const introspection = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, auth, refreshed.access_token, insecure),
    );
    expect(introspection).toMatchObject({ active: true, client_id: registered.client_id, sub: user.id });

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, auth, refreshed.refresh_token!, insecure),
    );
    const after = await fetch(`${live.baseUrl}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${refreshed.access_token}` },
    });
    expect(after.status).toBe(401);
  });

  it('completes the flow as a public client (the mobile app): PKCE, no secret, refresh with client_id', async () => {
    const oauth = await import('oauth4webapi');
    const insecure = { [oauth.allowInsecureRequests]: true };
    const user = await buildUser(db.knex);
    const registered = await buildClient(db.knex, { client_type: 'public', redirect_uris: [CB] });
    const issuer = new URL(live.baseUrl);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    const client = { client_id: registered.client_id };
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: CB,
      response_type: 'code',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const callback = await fetchBrowser(live.baseUrl).authorize(url.toString(), user.email, FACTORY_PASSWORD);
    const params = oauth.validateAuthResponse(as, client, new URL(callback), oauth.expectNoState);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, CB, verifier, insecure),
    );
    await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure),
    );
  });

  it('surfaces a denial as access_denied with the state', async () => {
    const oauth = await import('oauth4webapi');
    const insecure = { [oauth.allowInsecureRequests]: true };
    const user = await buildUser(db.knex);
    const registered = await buildClient(db.knex, { redirect_uris: [CB] });
    const issuer = new URL(live.baseUrl);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: registered.client_id,
      redirect_uri: CB,
      response_type: 'code',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }).toString();
    const callback = await fetchBrowser(live.baseUrl).authorize(url.toString(), user.email, FACTORY_PASSWORD, 'deny');
    expect(() => oauth.validateAuthResponse(as, { client_id: registered.client_id }, new URL(callback), state)).toThrow(
      oauth.AuthorizationResponseError,
    );
    expect(new URL(callback).searchParams.get('error')).toBe('access_denied');
  });
});

describe('a client written against the original SeatShare docs', () => {
  it('GET /oauth/authorization, GET /oauth/token, then Authorization: bearer TOKEN;', async () => {
    const user = await buildUser(db.knex);
    const registered = await buildClient(db.knex, { redirect_uris: [CB] });
    const authorization = `/oauth/authorization?${new URLSearchParams({ client_id: registered.client_id, redirect_uri: CB, response_type: 'code' }).toString()}`;
    const callback = new URL(await fetchBrowser(live.baseUrl).authorize(authorization, user.email, FACTORY_PASSWORD));
    const code = callback.searchParams.get('code')!;
    const tokenUrl = `${live.baseUrl}/oauth/token?${new URLSearchParams({ client_id: registered.client_id, client_secret: registered.secret!, code, grant_type: 'authorization_code', redirect_uri: CB }).toString()}`;
    const response = await fetch(tokenUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('deprecation')).toBe('true');
    const { access_token } = (await response.json()) as { access_token: string };
    const me = await fetch(`${live.baseUrl}/api/v1/users/me`, {
      headers: { authorization: `bearer ${access_token};` },
    });
    expect(me.status).toBe(200);
  });
});
