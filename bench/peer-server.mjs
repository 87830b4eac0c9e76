// The bench's peer: panva's oidc-provider with in-memory storage, as a plain OAuth 2.0
// server (no openid scope, so no ID token is signed): one confidential client, codes with
// PKCE S256, opaque access tokens, introspection. GET /__mint?codes=N mints N distinct
// authorization codes (and one access token to introspect) straight into its storage, the
// way a finished authorization would. One process: in-memory storage cannot be shared.
import http from 'node:http';
import { createHash } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const client = {
  client_id: 'bench',
  client_secret: 'bench-secret-0123456789abcdef0123456789abcdef',
  redirect_uris: ['http://127.0.0.1:9999/cb'],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
};
const verifier = process.env.CODE_VERIFIER;
const challenge = createHash('sha256').update(verifier).digest('base64url');

// In-memory storage without a size limit (oidc-provider's quick-start adapter is an LRU of
// 1000 entries, which would drop the pre-minted codes).
const stores = new Map();
class MapAdapter {
  constructor(model) {
    this.model = model;
    this.store = stores.get(model) ?? new Map();
    stores.set(model, this.store);
  }
  async upsert(id, payload) {
    this.store.set(id, payload);
  }
  async find(id) {
    return this.store.get(id);
  }
  async findByUid(uid) {
    for (const payload of this.store.values()) if (payload.uid === uid) return payload;
    return undefined;
  }
  async findByUserCode(userCode) {
    for (const payload of this.store.values()) if (payload.userCode === userCode) return payload;
    return undefined;
  }
  async consume(id) {
    const payload = this.store.get(id);
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    this.store.delete(id);
  }
  async revokeByGrantId(grantId) {
    for (const [id, payload] of this.store) if (payload.grantId === grantId) this.store.delete(id);
  }
}

const provider = new Provider(issuer, {
  adapter: MapAdapter,
  clients: [client],
  scopes: ['read', 'write'],
  features: { introspection: { enabled: true }, devInteractions: { enabled: false } },
  findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
  pkce: { required: () => true },
  // Access tokens for this server's own API (no resource indicators), opaque.
  formats: { customizers: {} },
});
provider.proxy = false;

async function mint(count) {
  const registered = await provider.Client.find('bench');
  const grant = new provider.Grant({ accountId: 'user-1', clientId: 'bench' });
  grant.addOIDCScope('read write');
  const grantId = await grant.save();
  const codes = [];
  for (let i = 0; i < count; i++) {
    const code = new provider.AuthorizationCode({
      accountId: 'user-1',
      client: registered,
      grantId,
      redirectUri: client.redirect_uris[0],
      scope: 'read write',
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
    });
    codes.push(await code.save());
  }
  const accessToken = await new provider.AccessToken({
    accountId: 'user-1',
    client: registered,
    grantId,
    scope: 'read write',
  }).save();
  return { codes, accessToken };
}

const callback = provider.callback();
http
  .createServer(async (req, res) => {
    if (req.url.startsWith('/__mint')) {
      const count = Number(new URL(req.url, issuer).searchParams.get('codes') || 1);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(await mint(count)));
      return;
    }
    if (req.url === '/readyz') return void res.end('ok');
    callback(req, res);
  })
  .listen(port, '127.0.0.1');
