// Idempotency-Key on the API's POSTs (SPEC §8, issue #17): a retry after a lost reply gets the
// first reply again and creates nothing; the same key for another request is 422, while the
// first still runs 409; keys are per user, kept 24 hours, then purged by the background work.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { runBackgroundWork } from '../../src/background';
import { requestFingerprint } from '../../src/http/idempotency';
import { claimIdempotencyKey, completeIdempotencyKey } from '../../src/http/idempotency-store';
import { FACTORY_PASSWORD } from '../factories';
import { backendPid, started, waitUntilWaitingOnLock } from '../helpers/locks';
import { as, useWorld } from '../helpers/world';

const t = useWorld();
const ALIASES = '/api/v1/user_aliases';
const kid = { first_name: 'Kid', last_name: 'Two' };

const postAlias = (token: string, key: string | undefined, body: object = kid) => {
  const test = as(t.app, token).post(ALIASES);
  return (key === undefined ? test : test.set('Idempotency-Key', key)).send(body);
};
const aliasesOf = async (userId: string) =>
  Number((await t.knex('user_aliases').where({ user_id: userId }).count({ n: '*' }).first())?.n);
const keyRow = (userId: string, key: string) => t.knex('idempotency_keys').where({ user_id: userId, key }).first();
const hoursAgo = (hours: number) => new Date(Date.now() - hours * 60 * 60 * 1000);

describe('a POST with an Idempotency-Key', () => {
  it('is done once: a retry gets the same status, body and Location, marked as replayed', async () => {
    const { member, tokens } = t.world;
    const before = await aliasesOf(member.id);
    const first = await postAlias(tokens.member, 'retry-1').expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // The same JSON in another key order and spacing is the same request.
    const retry = await as(t.app, tokens.member)
      .post(ALIASES)
      .set('Idempotency-Key', 'retry-1')
      .type('json')
      .send('{ "last_name": "Two",  "first_name": "Kid" }')
      .expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.text).toBe(first.text);
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers['content-type']).toBe(first.headers['content-type']);
    expect(await aliasesOf(member.id)).toBe(before + 1);
  });

  it('replays an invitation, code included, without a second invitation or mail', async () => {
    const { admin, groupA, tokens } = t.world;
    const invite = () =>
      as(t.app, tokens.admin)
        .post(`/api/v1/groups/${groupA.id}/invitations`)
        .set('Idempotency-Key', 'invite-guest')
        .send({ email: 'guest@example.com' })
        .expect(201);
    const first = await invite();
    const retry = await invite();
    expect(retry.body).toEqual(first.body);
    expect(retry.body.code).toEqual(expect.any(String));
    expect(await t.knex('invitations').where({ group_id: groupA.id, email: 'guest@example.com' })).toHaveLength(1);
    expect(await t.knex('mail_outbox').where({ recipient: 'guest@example.com' })).toHaveLength(1);
    // Stored for its user alone, and gone with the account.
    expect(await keyRow(admin.id, 'invite-guest')).toMatchObject({ response_status: 201 });
    await t.knex('users').where({ id: admin.id }).del();
    expect(await t.knex('idempotency_keys').where({ user_id: admin.id })).toEqual([]);
  });

  it('answers 422 for the same key with another body, method or path, and changes nothing', async () => {
    const { member, tokens } = t.world;
    await postAlias(tokens.member, 'used-once').expect(201);
    const before = await aliasesOf(member.id);
    const other = await postAlias(tokens.member, 'used-once', { first_name: 'Other', last_name: 'Kid' }).expect(422);
    expect(other.body).toEqual({
      error: 'Unprocessable Entity',
      error_detail: expect.stringContaining('Idempotency-Key was used for a different request'),
      code: 422,
    });
    await as(t.app, tokens.member)
      .post('/api/v1/groups')
      .set('Idempotency-Key', 'used-once')
      .send({ name: 'New group' })
      .expect(422);
    expect(await aliasesOf(member.id)).toBe(before);
    expect(await t.knex('groups').where({ name: 'New group' })).toEqual([]);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['a tab', 'with\ttab'],
    ['a non-ASCII character', 'clé'],
  ])('refuses a key that is %s with 400 naming the header, and creates nothing', async (_name, key) => {
    const { member, tokens } = t.world;
    const before = await aliasesOf(member.id);
    const res = await postAlias(tokens.member, key).expect(400);
    expect(res.body).toMatchObject({ code: 400, fields: { 'Idempotency-Key': [expect.any(String)] } });
    expect(await aliasesOf(member.id)).toBe(before);
  });

  it('takes a key of 255 printable characters', async () => {
    const key = 'a !"#$%&\'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~'.padEnd(255, 'x');
    await postAlias(t.world.tokens.member, key).expect(201);
    expect(await keyRow(t.world.member.id, key)).toMatchObject({ response_status: 201 });
  });

  it("is the caller's: another user's identical key and body are a request of their own", async () => {
    const { member, adminB, tokens } = t.world;
    const [mine, theirs] = [await postAlias(tokens.member, 'shared'), await postAlias(tokens.adminB, 'shared')];
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body.user_id).toBe(adminB.id);
    expect(mine.body.user_id).toBe(member.id);
  });

  it('changes nothing without the header: two POSTs make two records', async () => {
    const { member, tokens } = t.world;
    const before = await aliasesOf(member.id);
    await postAlias(tokens.member, undefined).expect(201);
    await postAlias(tokens.member, undefined).expect(201);
    expect(await aliasesOf(member.id)).toBe(before + 2);
    expect(await t.knex('idempotency_keys')).toEqual([]);
  });

  it('keeps no failure: after a 400 or a 403 the key is free, and a corrected retry runs once', async () => {
    const { member, tokens, tickets } = t.world;
    const before = await aliasesOf(member.id);
    await postAlias(tokens.member, 'fix-me', { first_name: 'Kid' }).expect(400);
    expect(await keyRow(member.id, 'fix-me')).toBeUndefined();
    await postAlias(tokens.member, 'fix-me').expect(201);
    expect((await postAlias(tokens.member, 'fix-me').expect(201)).headers['idempotent-replayed']).toBe('true');
    expect(await aliasesOf(member.id)).toBe(before + 1);

    // The owner asking for their own ticket: 403, not kept either.
    await as(t.app, tokens.member)
      .post(`/api/v1/tickets/${tickets.ownedByMember.id}/request`)
      .set('Idempotency-Key', 'ask')
      .send({})
      .expect(403);
    expect(await keyRow(member.id, 'ask')).toBeUndefined();
  });

  it('answers 409 while the first request with the key is in progress, and creates nothing', async () => {
    const { member, tokens } = t.world;
    const fingerprint = requestFingerprint('POST', ALIASES, kid);
    const claimed = await claimIdempotencyKey(t.knex, { userId: member.id, key: 'busy', fingerprint }, randomUUID());
    expect(claimed.claimed).toBe(true);
    const before = await aliasesOf(member.id);
    const res = await postAlias(tokens.member, 'busy').expect(409);
    expect(res.body).toMatchObject({ code: 409, error_detail: expect.stringContaining('still in progress') });
    expect(await aliasesOf(member.id)).toBe(before);
  });

  it('lets a retry take over a claim past its lease (its process died), and the old claim store nothing', async () => {
    const { member, tokens } = t.world;
    const userId = member.id;
    const fingerprint = requestFingerprint('POST', ALIASES, kid);
    const dead = await claimIdempotencyKey(t.knex, { userId, key: 'orphan', fingerprint }, randomUUID());
    if (!dead.claimed) throw new Error('the key should have been free');
    await t
      .knex('idempotency_keys')
      .where({ id: dead.held.id })
      .update({ locked_until: hoursAgo(0.1) });

    // Another request still cannot have it: it is that request's key until it is settled.
    await postAlias(tokens.member, 'orphan', { first_name: 'Some', last_name: 'Else' }).expect(422);
    const before = await aliasesOf(userId);
    const retry = await postAlias(tokens.member, 'orphan').expect(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await aliasesOf(userId)).toBe(before + 1);
    expect(await completeIdempotencyKey(t.knex, dead.held, { status: 500, headers: {}, body: null })).toBe(false);
    expect((await postAlias(tokens.member, 'orphan').expect(201)).text).toBe(retry.text);
  });

  it('is kept 24 hours: then a retry runs afresh, and the background work purges old keys', async () => {
    const { member, tokens } = t.world;
    const first = await postAlias(tokens.member, 'yesterday').expect(201);
    await t
      .knex('idempotency_keys')
      .where({ user_id: member.id, key: 'yesterday' })
      .update({ created_at: hoursAgo(25) });
    const later = await postAlias(tokens.member, 'yesterday').expect(201);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(later.body.id).not.toBe(first.body.id);

    await postAlias(tokens.member, 'old').expect(201);
    await postAlias(tokens.member, 'recent').expect(201);
    await t
      .knex('idempotency_keys')
      .where({ user_id: member.id, key: 'old' })
      .update({ created_at: hoursAgo(25) });
    expect(await runBackgroundWork(t.db)).toMatchObject({ ran: true, result: { idempotencyKeys: 1 } });
    expect((await t.knex('idempotency_keys').where({ user_id: member.id }).pluck('key')).sort()).toEqual([
      'recent',
      'yesterday',
    ]);
  });

  it('refuses a body nested too deep to fingerprint with a 400, not a 500', async () => {
    const deep = `{"first_name": ${'['.repeat(5000)}${']'.repeat(5000)}}`;
    await as(t.app, t.world.tokens.member)
      .post(ALIASES)
      .set('Idempotency-Key', 'deep')
      .type('json')
      .send(deep)
      .expect(400)
      .expect((res) => expect(res.body.fields).toEqual({ body: [expect.stringContaining('nests deeper')] }));
  });

  it('leaves other methods and POST /api/authenticate alone (no caller to scope a key to)', async () => {
    const { member, tokens, aliases } = t.world;
    await as(t.app, tokens.member)
      .patch(`${ALIASES}/${aliases.memberAlias.id}`)
      .set('Idempotency-Key', '')
      .send({ first_name: 'Renamed' })
      .expect(200);
    const login = () =>
      request(t.app)
        .post('/api/authenticate/')
        .set('Idempotency-Key', 'login')
        .send({ username: member.email, password: FACTORY_PASSWORD })
        .expect(200);
    const [one, two] = [await login(), await login()];
    expect(one.body.token).not.toBe(two.body.token);
    expect(await t.knex('idempotency_keys')).toEqual([]);
  });
});

describe('the OpenAPI document', () => {
  it('offers the header, the replay marker, 409 and 422 on every POST of /api/v1, and not on /api/authenticate', async () => {
    const document = (await request(t.app).get('/api/v1/openapi.json').expect(200)).body as {
      paths: Record<
        string,
        Record<string, { parameters: Array<{ name: string; in: string }>; responses: Record<string, object> }>
      >;
    };
    const posts = Object.entries(document.paths).flatMap(([path, operations]) =>
      operations.post ? [[path, operations.post] as const] : [],
    );
    expect(posts.length).toBeGreaterThan(5);
    for (const [path, post] of posts) {
      const header = post.parameters.find((parameter) => parameter.name === 'Idempotency-Key');
      if (!path.startsWith('/api/v1/')) {
        expect(header).toBeUndefined();
        continue;
      }
      expect(header).toMatchObject({ in: 'header', required: false });
      expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['409', '422']));
      const success = Object.entries(post.responses).find(([status]) => status.startsWith('2'))![1];
      expect(success).toMatchObject({ headers: { 'Idempotent-Replayed': expect.any(Object) } });
    }
  });
});

// Concurrent requests need more than one connection: PGlite has one, so this runs in CI's PostgreSQL pass.
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
onPostgres('twenty concurrent POSTs with one key (PostgreSQL)', () => {
  it('run once: one 201, the others 409, one record; a retry afterwards is the replay', async () => {
    const { member, tokens } = t.world;
    const before = await aliasesOf(member.id);
    // Holds new aliases back, so the first request is still running while the others arrive.
    const holder = await t.knex.transaction();
    await holder.raw('lock table user_aliases in share mode');
    const requests = Array.from({ length: 20 }, () => started(postAlias(tokens.member, 'twenty')));
    try {
      await waitUntilWaitingOnLock(t.knex, { blockedBy: await backendPid(holder) });
      // The nineteen others answer while the first waits (polling an observed state, not timing a race).
      for (let polls = 0; polls < 1000 && requests.filter((r) => r.done).length < 19; polls++)
        await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      await holder.commit();
    }
    const responses = await Promise.all(requests.map((r) => r.result));
    const statuses = responses.map((res) => res.status).sort();
    expect(statuses).toEqual([201, ...Array<number>(19).fill(409)]);
    expect(await aliasesOf(member.id)).toBe(before + 1);
    const created = responses.find((res) => res.status === 201)!;
    const retry = await postAlias(tokens.member, 'twenty').expect(201);
    expect(retry.text).toBe(created.text);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });
});
