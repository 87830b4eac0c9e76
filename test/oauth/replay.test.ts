// Replay and reuse (SPEC §3, RFC 6749 §4.1.2, RFC 9700 §4.14.2): a replayed code revokes the
// whole family it started, refreshed tokens included; and neither a replay nor a refresh-token
// reuse can miss the tokens of an exchange or rotation it races.
import request from 'supertest';
import type { Knex } from 'knex';
import { useTestDatabase } from '../helpers/db';
import { testApp } from '../helpers/app';
import { buildClient, buildToken, buildUser } from '../factories';
import { hashToken } from '../../src/security/tokens';
import { backendPid, started, waitUntilWaitingOnLock } from '../helpers/locks';
import { codeExchangeFields, issueCode, LIBRARY_REFUSALS as LIBRARY, postToken as post } from './token-helpers';

const db = useTestDatabase();

type App = ReturnType<typeof testApp>;
type Client = Awaited<ReturnType<typeof buildClient>>;

async function codeFor() {
  const issued = await issueCode(db.knex);
  return { ...issued, fields: codeExchangeFields(issued) };
}

const refresh = (app: App, client: Client, refresh_token: string) =>
  post(app, { grant_type: 'refresh_token', refresh_token, client_id: client.client_id, client_secret: client.secret! });

/** Whether an access token still opens the API, and what introspection says of it. */
async function accessTokenState(app: App, client: Client, accessToken: string) {
  const api = await request(app).get('/api/v1/users/me').set('Authorization', `Bearer ${accessToken}`);
  const introspection = await request(app)
    .post('/oauth/introspect')
    .auth(client.client_id, client.secret!)
    .type('form')
    .send({ token: accessToken });
  return { api: api.status, active: introspection.body.active as boolean };
}

const revoked = { api: 401, active: false };

describe('a replayed code', () => {
  it('rejects a reused code and revokes its tokens, including refreshed ones', async () => {
    const app = testApp(db.db);
    const { client, fields } = await codeFor();
    const issued = (await post(app, fields).expect(200)).body;
    const refreshed = (await refresh(app, client, issued.refresh_token).expect(200)).body;
    expect(await accessTokenState(app, client, refreshed.access_token)).toEqual({ api: 200, active: true });

    const replay = await post(app, fields).expect(400);
    expect(replay.body).toEqual(LIBRARY.codeInvalid);
    expect(await accessTokenState(app, client, issued.access_token)).toEqual(revoked);
    expect(await accessTokenState(app, client, refreshed.access_token)).toEqual(revoked);
    expect((await refresh(app, client, refreshed.refresh_token).expect(400)).body).toEqual(LIBRARY.refreshInvalid);
  });

  it('leaves the tokens of other codes alone', async () => {
    const app = testApp(db.db);
    const mine = await codeFor();
    const other = await codeFor();
    await post(app, mine.fields).expect(200);
    const theirs = (await post(app, other.fields).expect(200)).body;
    await post(app, mine.fields).expect(400);
    expect(await accessTokenState(app, other.client, theirs.access_token)).toEqual({ api: 200, active: true });
  });
});

// Races need two connections: PGlite has one, so these run in the PostgreSQL pass. Each proves
// its race happened: the racers are seen waiting on each other's locks in pg_locks.
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
onPostgres('races (PostgreSQL)', () => {
  // A test that fails while a row is held must not leave it locked: the racers would hang on it.
  const holders: Knex.Transaction[] = [];
  afterEach(async () => {
    for (const holder of holders.splice(0)) if (!holder.isCompleted()) await holder.rollback();
  });

  /**
   * Holds the user's row (FOR UPDATE) in another transaction. Storing a token checks its user's
   * key (FOR KEY SHARE), so a racer that has spent its code or refresh token stops right there,
   * before its tokens are stored, until `release()`.
   */
  async function holdUser(userId: string) {
    const holder = await db.knex.transaction();
    holders.push(holder);
    await holder('users').where({ id: userId }).forUpdate().first('id');
    return { pid: await backendPid(holder), release: () => holder.commit() };
  }

  it('a replay racing the exchange waits for it, then revokes the tokens it stored', async () => {
    const app = testApp(db.db);
    const { client, user, fields } = await codeFor();
    const held = await holdUser(user.id);
    const winner = started(post(app, fields));
    // The winner has spent the code and waits to store its tokens.
    await waitUntilWaitingOnLock(db.knex, { blockedBy: held.pid, finished: () => winner.done });
    const replay = started(post(app, fields));
    // One transaction: the replay waits on the code's row. Without it, it would answer now,
    // having revoked nothing, and the winner's tokens would be stored after.
    await waitUntilWaitingOnLock(db.knex, { sessions: 2, finished: () => replay.done });
    await held.release();
    const [won, replayed] = await Promise.all([winner.result, replay.result]);
    expect(won.status).toBe(200);
    expect(replayed.body).toEqual(LIBRARY.codeInvalid);
    expect(await accessTokenState(app, client, won.body.access_token)).toEqual(revoked);
  });

  it('a replay with a wrong verifier racing the exchange is refused, and revokes the tokens the exchange stored', async () => {
    const app = testApp(db.db);
    const { client, user, fields } = await codeFor();
    const held = await holdUser(user.id);
    const winner = started(post(app, fields));
    await waitUntilWaitingOnLock(db.knex, { blockedBy: held.pid, finished: () => winner.done });
    // It read the code before the winner committed; refused, it spends the code — and waits
    // on the winner's row to do so, then finds the code redeemed: a replay.
    const replay = started(post(app, { ...fields, code_verifier: 'x'.repeat(43) }));
    await waitUntilWaitingOnLock(db.knex, { sessions: 2, finished: () => replay.done });
    await held.release();
    const [won, replayed] = await Promise.all([winner.result, replay.result]);
    expect(won.status).toBe(200);
    expect(replayed.status).toBe(400);
    expect(replayed.body.error).toBe('invalid_grant');
    expect(await accessTokenState(app, client, won.body.access_token)).toEqual(revoked);
  });

  it('reuse of a rotated refresh token racing the next rotation revokes the successor too', async () => {
    const app = testApp(db.db);
    const client = await buildClient(db.knex);
    const user = await buildUser(db.knex);
    const first = await buildToken(db.knex, { client_id: client.id, user_id: user.id });
    const second = (await refresh(app, client, first.refresh_token).expect(200)).body;

    const held = await holdUser(user.id);
    const rotation = started(refresh(app, client, second.refresh_token));
    // The rotation has spent the second refresh token and waits to store the third.
    await waitUntilWaitingOnLock(db.knex, { blockedBy: held.pid, finished: () => rotation.done });
    const reuse = started(refresh(app, client, first.refresh_token));
    // The reuse revokes the family and waits on the second token's row, which the rotation holds.
    await waitUntilWaitingOnLock(db.knex, { sessions: 2, finished: () => reuse.done });
    await held.release();
    const [rotated, reused] = await Promise.all([rotation.result, reuse.result]);
    expect(reused.body).toEqual(LIBRARY.refreshInvalid);
    expect(rotated.status).toBe(200);
    expect(await accessTokenState(app, client, rotated.body.access_token)).toEqual(revoked);
    const family = await db
      .knex('oauth_tokens')
      .where({ family_id: first.family_id })
      .select('refresh_token_hash', 'revoked_at');
    expect(family).toHaveLength(3);
    expect(family.filter((row: { revoked_at: Date | null }) => row.revoked_at === null)).toEqual([]);
    expect(family.map((row: { refresh_token_hash: string }) => row.refresh_token_hash)).toContain(
      hashToken(rotated.body.refresh_token),
    );
  });
});
