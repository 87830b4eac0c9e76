// The bench's peer: panva's oidc-provider as a plain OAuth 2.0 server (no openid scope, so no
// ID token is signed): one confidential client, codes with PKCE S256, opaque access tokens,
// introspection. GET /__mint?codes=N mints N distinct authorization codes (and one access token
// to introspect) under a new grant, straight into its storage, the way a finished authorization
// would, and answers {codes, accessToken}. GET /readyz answers once the server listens.
//
// Two modes:
//  - in memory (no PEER_DATABASE_URL): one process, storage in a Map — oidc-provider with no
//    storage cost at all, the runtime's upper bound; in-memory storage cannot be shared, hence
//    one process.
//  - persistent (PEER_DATABASE_URL set): storage in PostgreSQL (bench/peer-postgres-adapter.mjs),
//    WEB_CONCURRENCY worker processes (node:cluster, as bench/baseline-server.js and SeatShare
//    run), each with its own pool of DB_POOL_MAX connections (default 2) — what a deployed
//    oidc-provider does, so compared like for like with SeatShare. The primary creates and
//    empties the table, then forks; a token saved by one worker is found by any other.
//
// Env: PORT, CODE_VERIFIER (the PKCE verifier the codes are bound to); persistent mode also
// PEER_DATABASE_URL, WEB_CONCURRENCY (default 1: serve from this process), DB_POOL_MAX.
import cluster from 'node:cluster';
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

function createProvider(adapter) {
  const provider = new Provider(issuer, {
    adapter,
    clients: [client],
    scopes: ['read', 'write'],
    features: { introspection: { enabled: true }, devInteractions: { enabled: false } },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    pkce: { required: () => true },
    // Access tokens for this server's own API (no resource indicators), opaque.
    formats: { customizers: {} },
  });
  provider.proxy = false;
  return provider;
}

async function mint(provider, count) {
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

/** Listens on PORT; `mintAll(count)` backs GET /__mint. Returns the http.Server. */
function serve(provider, mintAll) {
  const callback = provider.callback();
  return http
    .createServer(async (req, res) => {
      if (req.url.startsWith('/__mint')) {
        const count = Number(new URL(req.url, issuer).searchParams.get('codes') || 1);
        res.setHeader('content-type', 'application/json');
        try {
          res.end(JSON.stringify(await mintAll(count)));
        } catch (error) {
          res.statusCode = 500;
          res.end(JSON.stringify({ error: String(error?.message ?? error) }));
        }
        return;
      }
      if (req.url === '/readyz') return void res.end('ok');
      callback(req, res);
    })
    .listen(port, '127.0.0.1');
}

const databaseUrl = process.env.PEER_DATABASE_URL;
if (!databaseUrl) {
  const provider = createProvider(MapAdapter);
  serve(provider, (count) => mint(provider, count));
} else {
  // Loaded only here, so the in-memory peer does not even load pg.
  const { default: pg } = await import('pg');
  const { postgresAdapter, prepareTable, withBulkWrites } = await import('./peer-postgres-adapter.mjs');
  const workers = Number(process.env.WEB_CONCURRENCY || 1);

  if (cluster.isPrimary) {
    // Before any worker exists, so none serves from a table that is about to be emptied.
    const setup = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    await prepareTable(setup);
    await setup.end();
  }

  if (cluster.isPrimary && workers > 1) {
    // The primary only forks: it serves nothing and holds no pool.
    for (let i = 0; i < workers; i++) cluster.fork();
    process.on('SIGTERM', () => {
      for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
      process.exit(0);
    });
  } else {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.DB_POOL_MAX || 2) });
    // An idle connection dropped by the server must not take the worker down.
    pool.on('error', () => {});
    const provider = createProvider(postgresAdapter(pool));
    const server = serve(provider, (count) => withBulkWrites(pool, () => mint(provider, count)));
    process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
  }
}
