// Conditional requests (SPEC §8, RFC 9110 §13, issue #17): a strong ETag on every single-record
// reply and on lists, derived from record versions; If-None-Match → 304; If-Match on PUT, PATCH
// and DELETE → 412 when the record changed since, checked after the row lock (one winner).
import type { Request } from 'express';
import request from 'supertest';
import { pageTag, parseTags, viewTag } from '../../src/http/conditional';
import { started, waitUntilWaitingOnLock } from '../helpers/locks';
import { as, useWorld, type World } from '../helpers/world';

const t = useWorld();

const STRONG_TAG = /^"[A-Za-z0-9_-]{22}"$/;
const STALE = 'The record changed since you read it: fetch it again, then repeat your change.';

type Token = keyof World['tokens'];
interface Resource {
  name: string;
  /** Who reads and changes it, and the path. */
  reader: (w: World) => Token;
  path: (w: World) => string;
  /** A change the reader may make. */
  change: Record<string, string>;
  /** The row behind it. */
  table: string;
  id: (w: World) => string;
}

const RESOURCES: Resource[] = [
  {
    name: 'tickets/:id',
    reader: () => 'member',
    path: (w) => `/api/v1/tickets/${w.tickets.ownedByMember.id}`,
    change: { note: 'changed' },
    table: 'tickets',
    id: (w) => w.tickets.ownedByMember.id,
  },
  {
    name: 'ticket/:id',
    reader: () => 'member',
    path: (w) => `/api/v1/ticket/${w.tickets.ownedByMember.id}`,
    change: { note: 'changed' },
    table: 'tickets',
    id: (w) => w.tickets.ownedByMember.id,
  },
  {
    name: 'groups/:id',
    reader: () => 'admin',
    path: (w) => `/api/v1/groups/${w.groupA.id}`,
    change: { name: 'Renamed' },
    table: 'groups',
    id: (w) => w.groupA.id,
  },
  {
    name: 'events/:id',
    reader: () => 'admin',
    path: (w) => `/api/v1/events/${w.events.future.id}`,
    change: { name: 'Renamed' },
    table: 'events',
    id: (w) => w.events.future.id,
  },
  {
    name: 'user_aliases/:id',
    reader: () => 'member',
    path: (w) => `/api/v1/user_aliases/${w.aliases.memberAlias.id}`,
    change: { first_name: 'Renamed' },
    table: 'user_aliases',
    id: (w) => w.aliases.memberAlias.id,
  },
  {
    name: 'users/me',
    reader: () => 'member',
    path: () => '/api/v1/users/me',
    change: { bio: 'changed' },
    table: 'users',
    id: (w) => w.member.id,
  },
];

const client = (token: Token) => as(t.app, t.world.tokens[token]);
const tagOf = async (token: Token, path: string): Promise<string> => {
  const res = await client(token).get(path).expect(200);
  expect(res.headers.etag).toMatch(STRONG_TAG);
  return res.headers.etag as string;
};

describe('If-None-Match on a single record', () => {
  it.each(RESOURCES.map((r) => [r.name, r] as const))(
    'GET %s: a strong ETag; sent back, 304 with no body and the same ETag',
    async (_name, resource) => {
      const path = resource.path(t.world);
      const who = resource.reader(t.world);
      const tag = await tagOf(who, path);
      const again = await client(who).get(path).set('If-None-Match', tag).expect(304);
      expect(again.text).toBe('');
      expect(again.headers.etag).toBe(tag);
      // The tag is the same for the same view, however often it is read.
      expect(await tagOf(who, path)).toBe(tag);
    },
  );

  it('GET users/:id of a mutual member: 304 too, and their tag differs from their own view of themselves', async () => {
    const path = `/api/v1/users/${t.world.admin.id}`;
    const tag = await tagOf('member', path);
    await client('member').get(path).set('If-None-Match', tag).expect(304);
    // Their own view shows private fields: another representation, another tag.
    expect(await tagOf('admin', path)).not.toBe(tag);
  });

  it('HEAD, *, a list of tags and the weak form of the tag match too (weak comparison); another tag does not', async () => {
    const path = `/api/v1/tickets/${t.world.tickets.ownedByAdmin.id}`;
    const tag = await tagOf('member', path);
    const head = await request(t.app)
      .head(path)
      .set('Authorization', `Token ${t.world.tokens.member}`)
      .set('If-None-Match', tag)
      .expect(304);
    expect(head.headers.etag).toBe(tag);
    await client('member').get(path).set('If-None-Match', '*').expect(304);
    await client('member').get(path).set('If-None-Match', `"other", ${tag}`).expect(304);
    await client('member').get(path).set('If-None-Match', `W/${tag}`).expect(304);
    const other = await client('member').get(path).set('If-None-Match', '"other"').expect(200);
    expect(other.body.id).toBe(t.world.tickets.ownedByAdmin.id);
    // A malformed header is ignored: the full reply.
    await client('member').get(path).set('If-None-Match', 'no-quotes').expect(200);
  });

  it('a 304 reveals nothing of a record you cannot see: 404 whatever the header', async () => {
    const path = `/api/v1/tickets/${t.world.tickets.ownedByAdmin.id}`;
    const tag = await tagOf('member', path);
    const res = await client('outsider').get(path).set('If-None-Match', tag).expect(404);
    expect(res.body).toMatchObject({ code: 404 });
    await client('outsider').get(path).set('If-None-Match', '*').expect(404);
  });
});

describe('a change gives a new ETag', () => {
  it('a PATCH by another member: the old tag gets the full reply with a new ETag', async () => {
    const path = `/api/v1/tickets/${t.world.tickets.ownedByAdmin.id}`;
    const before = await tagOf('admin', path); // the owner reads it
    await client('member').patch(path).send({ note: 'bring a coat' }).expect(200); // the assignee changes it
    const after = await client('admin').get(path).set('If-None-Match', before).expect(200);
    expect(after.body.note).toBe('bring a coat');
    expect(after.headers.etag).toMatch(STRONG_TAG);
    expect(after.headers.etag).not.toBe(before);
  });

  it('a write answers with the ETag a GET then gives; a POST 201 too', async () => {
    const path = `/api/v1/tickets/${t.world.tickets.ownedByMember.id}`;
    const patched = await client('member').patch(path).send({ note: 'x' }).expect(200);
    expect(patched.headers.etag).toBe(await tagOf('member', path));

    const alias = await client('member').post('/api/v1/user_aliases').send({ first_name: 'A', last_name: 'B' });
    expect(alias.status).toBe(201);
    expect(alias.headers.etag).toBe(await tagOf('member', `/api/v1/user_aliases/${alias.body.id}`));

    const ticket = await client('member')
      .post('/api/v1/tickets')
      .send({ event_id: t.world.events.future.id, section: '1', row: '2', seat: '3' });
    expect(ticket.status).toBe(201);
    expect(ticket.headers.etag).toBe(await tagOf('member', `/api/v1/tickets/${ticket.body.id}`));

    const group = await client('loner').post('/api/v1/groups').send({ name: 'New' }).expect(201);
    expect(group.headers.etag).toBe(await tagOf('loner', `/api/v1/groups/${group.body.id}`));

    const event = await client('admin')
      .post('/api/v1/events')
      .send({ group_id: t.world.groupA.id, name: 'Game', start_time: '2030-01-01T18:00:00.000Z' })
      .expect(201);
    expect(event.headers.etag).toBe(await tagOf('admin', `/api/v1/events/${event.body.id}`));
  });

  it("a member joining changes the group's ETag (member_count), though the group's row is unchanged", async () => {
    const path = `/api/v1/groups/${t.world.groupA.id}`;
    const before = await tagOf('member', path);
    const row = await t.knex('groups').where({ id: t.world.groupA.id }).first();
    await client('loner').post('/api/v1/groups/join').send({ code: row.invitation_code }).expect(200);
    const after = await client('member').get(path).set('If-None-Match', before).expect(200);
    expect(after.body.member_count).toBe(3);
    expect(after.headers.etag).not.toBe(before);
    expect((await t.knex('groups').where({ id: t.world.groupA.id }).first()).version).toEqual(row.version);
  });

  it("a group's ETag is per caller: an admin's view (role, join code) is not a member's", async () => {
    const path = `/api/v1/groups/${t.world.groupA.id}`;
    expect(await tagOf('admin', path)).not.toBe(await tagOf('member', path));
  });

  it("a ticket assigned changes its event's ETag (ticket_counts), though the event's row is unchanged", async () => {
    const path = `/api/v1/events/${t.world.events.future.id}`;
    const before = await tagOf('member', path);
    await client('admin')
      .patch(`/api/v1/tickets/${t.world.tickets.available.id}`)
      .send({ assignee_id: t.world.member.id })
      .expect(200);
    const after = await client('member').get(path).set('If-None-Match', before).expect(200);
    expect(after.body.ticket_counts).toMatchObject({ available: 0 });
    expect(after.headers.etag).not.toBe(before);
  });

  it('a user or alias renamed changes the ETag of the tickets that show the name', async () => {
    const path = `/api/v1/tickets/${t.world.tickets.ownedByMember.id}`; // owner and assignee member, alias memberAlias
    const first = await tagOf('admin', path);
    await client('member').patch('/api/v1/users/me').send({ first_name: 'Maxine' }).expect(200);
    const second = await tagOf('admin', path);
    expect(second).not.toBe(first);
    await client('member')
      .patch(`/api/v1/user_aliases/${t.world.aliases.memberAlias.id}`)
      .send({ first_name: 'Junior' })
      .expect(200);
    const third = await client('admin').get(path).set('If-None-Match', second).expect(200);
    expect(third.body.alias.display_name).toBe('Junior Member');
    expect(third.headers.etag).not.toBe(second);
  });
});

describe('If-None-Match on a list', () => {
  it('GET /tickets: a strong ETag; sent back, 304; after a change, a new one', async () => {
    const tag = await tagOf('member', '/api/v1/tickets');
    const same = await client('member').get('/api/v1/tickets').set('If-None-Match', tag).expect(304);
    expect(same.text).toBe('');
    expect(same.headers.etag).toBe(tag);
    // Another page, another query, another caller: other tags.
    expect(await tagOf('member', '/api/v1/tickets?limit=2')).not.toBe(tag);
    expect(await tagOf('admin', '/api/v1/tickets')).not.toBe(tag);

    await client('admin').patch(`/api/v1/tickets/${t.world.tickets.ownedByAdmin.id}`).send({ note: 'n' }).expect(200);
    const changed = await client('member').get('/api/v1/tickets').set('If-None-Match', tag).expect(200);
    expect(changed.headers.etag).not.toBe(tag);
  });

  it.each(['/api/v1/groups', '/api/v1/events', '/api/v1/users', '/api/v1/user_aliases'])(
    'GET %s: 304 on its own ETag',
    async (path) => {
      const tag = await tagOf('member', path);
      await client('member').get(path).set('If-None-Match', tag).expect(304);
    },
  );

  it("GET /groups: a member joining changes the list's ETag", async () => {
    const tag = await tagOf('member', '/api/v1/groups');
    const row = await t.knex('groups').where({ id: t.world.groupA.id }).first();
    await client('loner').post('/api/v1/groups/join').send({ code: row.invitation_code }).expect(200);
    await client('member').get('/api/v1/groups').set('If-None-Match', tag).expect(200);
  });
});

describe('If-Match on a write', () => {
  it.each(RESOURCES.filter((r) => r.name !== 'ticket/:id').map((r) => [r.name, r] as const))(
    'PATCH %s: a stale tag is 412 with the error object and changes nothing; the current tag is 200',
    async (_name, resource) => {
      const path = resource.path(t.world);
      const who = resource.reader(t.world);
      const stale = await tagOf(who, path);
      // Someone else changes it meanwhile (any UPDATE of the row raises its version).
      const row = () =>
        t
          .knex(resource.table)
          .where({ id: resource.id(t.world) })
          .first();
      await t
        .knex(resource.table)
        .where({ id: resource.id(t.world) })
        .update({ updated_at: t.knex.fn.now() });
      const before = await row();

      const refused = await client(who).patch(path).set('If-Match', stale).send(resource.change).expect(412);
      expect(refused.body).toEqual({ error: 'Precondition Failed', error_detail: STALE, code: 412 });
      expect(await row()).toEqual(before);

      const current = await tagOf(who, path);
      const done = await client(who).patch(path).set('If-Match', current).send(resource.change).expect(200);
      expect(done.body).toMatchObject(resource.change);
      expect(done.headers.etag).not.toBe(current);
      // PUT is the same handler.
      await client(who).put(path).set('If-Match', current).send(resource.change).expect(412);
      await client(who)
        .put(path)
        .set('If-Match', done.headers.etag as string)
        .send(resource.change)
        .expect(200);
    },
  );

  it('a change by another member makes the first reader’s tag stale: 412, and the other change stands', async () => {
    const path = `/api/v1/tickets/${t.world.tickets.ownedByAdmin.id}`;
    const adminsTag = await tagOf('admin', path);
    await client('member')
      .patch(path)
      .set('If-Match', await tagOf('member', path))
      .send({ note: 'mine' })
      .expect(200);
    await client('admin').patch(path).set('If-Match', adminsTag).send({ note: 'theirs' }).expect(412);
    expect((await t.knex('tickets').where({ id: t.world.tickets.ownedByAdmin.id }).first()).note).toBe('mine');
  });

  it('without If-Match a write works as before; with *, when the record exists', async () => {
    const path = `/api/v1/tickets/${t.world.tickets.ownedByMember.id}`;
    await client('member').patch(path).send({ note: 'a' }).expect(200);
    await client('member').patch(path).set('If-Match', '*').send({ note: 'b' }).expect(200);
    await client('member')
      .patch(path)
      .set('If-Match', `"other", ${await tagOf('member', path)}`)
      .send({ note: 'c' })
      .expect(200);
  });

  it('a weak tag or a malformed header never matches (strong comparison): 412', async () => {
    const path = `/api/v1/tickets/${t.world.tickets.ownedByMember.id}`;
    const tag = await tagOf('member', path);
    await client('member').patch(path).set('If-Match', `W/${tag}`).send({ note: 'a' }).expect(412);
    await client('member').patch(path).set('If-Match', tag.slice(1, -1)).send({ note: 'a' }).expect(412);
    expect((await t.knex('tickets').where({ id: t.world.tickets.ownedByMember.id }).first()).note).not.toBe('a');
  });

  it('a record you cannot see is 404, not 412, whatever the tag', async () => {
    const path = `/api/v1/tickets/${t.world.tickets.ownedByAdmin.id}`;
    const tag = await tagOf('member', path);
    for (const header of [tag, '"stale"', '*']) {
      await client('outsider').patch(path).set('If-Match', header).send({ note: 'x' }).expect(404);
      await client('outsider').delete(path).set('If-Match', header).expect(404);
    }
  });

  it('a record you may see but not change is 403, not 412 (the policy before the precondition)', async () => {
    const path = `/api/v1/groups/${t.world.groupA.id}`;
    await client('member').patch(path).set('If-Match', '"stale"').send({ name: 'x' }).expect(403);
    await client('member').delete(path).set('If-Match', '"stale"').expect(403);
  });

  it('the precondition is checked before the body names are: a stale tag with a bad assignee is 412', async () => {
    const path = `/api/v1/tickets/${t.world.tickets.ownedByMember.id}`;
    await client('member')
      .patch(path)
      .set('If-Match', '"stale"')
      .send({ assignee_id: t.world.outsider.id })
      .expect(412);
  });

  it.each<[string, (w: World) => string, Token]>([
    ['tickets', (w: World) => w.tickets.ownedByMember.id, 'member'],
    ['user_aliases', (w: World) => w.aliases.memberAlias.id, 'member'],
    ['events', (w: World) => w.events.past.id, 'admin'],
    ['groups', (w: World) => w.groupA.id, 'admin'],
  ])(
    'DELETE %s/:id with a stale tag: 412 and the row is still there; with the current tag, 204',
    async (table, id, who) => {
      const path = `/api/v1/${table}/${id(t.world)}`;
      const stale = await tagOf(who, path);
      await t
        .knex(table)
        .where({ id: id(t.world) })
        .update({ updated_at: t.knex.fn.now() }); // changed meanwhile
      const refused = await client(who)
        .delete(path)
        .set('If-Match', stale)
        .query(table === 'events' ? { force: 'true' } : {})
        .expect(412);
      expect(refused.body).toMatchObject({ code: 412, error_detail: STALE });
      const row = await t
        .knex(table)
        .where({ id: id(t.world) })
        .first();
      expect(row).toBeDefined();
      if (table === 'groups') expect(row.deactivated_at).toBeNull();
      await client(who)
        .delete(path)
        .set('If-Match', await tagOf(who, path))
        .query(table === 'events' ? { force: 'true' } : {})
        .expect(204);
    },
  );
});

describe('the tags (src/http/conditional.ts)', () => {
  it('parses *, lists, weak tags and empty elements; anything else is unusable', () => {
    expect(parseTags(' * ')).toBe('*');
    expect(parseTags('"a", W/"b",, "c"')).toEqual([
      { weak: false, opaque: '"a"' },
      { weak: true, opaque: '"b"' },
      { weak: false, opaque: '"c"' },
    ]);
    for (const bad of ['a', '"a', 'W/ "a"', '"a" "b"', '"a", *', '', ' , '] as const) expect(parseTags(bad)).toBeNull();
  });

  it('is strong, quoted, and changes with any part', () => {
    expect(viewTag(['ticket', 'id', 1n])).toMatch(STRONG_TAG);
    expect(viewTag(['ticket', 'id', 1n])).toBe(viewTag(['ticket', 'id', '1']));
    expect(viewTag(['ticket', 'id', 2])).not.toBe(viewTag(['ticket', 'id', 1]));
  });

  it("a list's tag follows its rendered page and its total (an invitation turning expired changes its body)", () => {
    const req = { originalUrl: '/api/v1/groups/g/invitations', caller: { userId: 'u' } } as unknown as Request;
    const pending = JSON.stringify([{ id: 'i', status: 'pending' }]);
    const tag = pageTag(req, 1, pending);
    expect(tag).toMatch(STRONG_TAG);
    expect(pageTag(req, 1, pending)).toBe(tag);
    expect(pageTag(req, 1, JSON.stringify([{ id: 'i', status: 'expired' }]))).not.toBe(tag);
    expect(pageTag(req, 2, pending)).not.toBe(tag);
    const other = { originalUrl: '/api/v1/groups/g/invitations', caller: { userId: 'v' } } as unknown as Request;
    expect(pageTag(other, 1, pending)).not.toBe(tag);
  });
});

// Two connections at once: PGlite has one, so this runs in CI's PostgreSQL pass.
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
onPostgres('two clients racing If-Match PATCHes on one ticket (PostgreSQL)', () => {
  it('exactly one succeeds; the other, which waited for its lock, is 412', async () => {
    const { tickets, tokens } = t.world;
    const path = `/api/v1/tickets/${tickets.ownedByAdmin.id}`;
    const tag = await tagOf('admin', path);
    expect(await tagOf('member', path)).toBe(tag);
    // Hold the ticket's row lock so both PATCHes are seen queueing for it, then let them go.
    const holder = await t.knex.transaction();
    await holder('tickets').where({ id: tickets.ownedByAdmin.id }).forUpdate().first();
    const patch = (token: string, note: string) =>
      started(as(t.app, token).patch(path).set('If-Match', tag).send({ note }));
    const owner = patch(tokens.admin, 'owner');
    const assignee = patch(tokens.member, 'assignee');
    try {
      // Both wait: the first on the holder's transaction, the second on the first for the row
      // (so only the first names the holder in pg_blocking_pids).
      await waitUntilWaitingOnLock(t.knex, { sessions: 2, finished: () => owner.done || assignee.done });
    } finally {
      await holder.commit();
    }
    const statuses = [(await owner.result).status, (await assignee.result).status].sort();
    expect(statuses).toEqual([200, 412]);
    const row = await t.knex('tickets').where({ id: tickets.ownedByAdmin.id }).first();
    const winner = (await owner.result).status === 200 ? 'owner' : 'assignee';
    expect(row.note).toBe(winner);
    expect(Number(row.version)).toBe(2);
  });
});

describe('If-Match on records without a version (memberships, invitations)', () => {
  it('is 412 for any tag and nothing changes; * passes', async () => {
    const { world } = t;
    const path = `/api/v1/groups/${world.groupA.id}/members/${world.member.id}`;
    const stale = await as(t.app, world.tokens.admin)
      .patch(path)
      .set('If-Match', '"anything"')
      .send({ role: 'admin' })
      .expect(412);
    expect(stale.body).toMatchObject({ code: 412, error: 'Precondition Failed' });
    const row = () => t.knex('memberships').where({ group_id: world.groupA.id, user_id: world.member.id }).first();
    expect((await row()).role).toBe('member');
    await as(t.app, world.tokens.admin).delete(path).set('If-Match', '"anything"').expect(412);
    expect(await row()).toBeDefined();
    await as(t.app, world.tokens.admin).patch(path).set('If-Match', '*').send({ role: 'admin' }).expect(200);
  });

  it('still answers 404 and 403 first', async () => {
    const { world } = t;
    await as(t.app, world.tokens.outsider)
      .patch(`/api/v1/groups/${world.groupA.id}/members/${world.member.id}`)
      .set('If-Match', '"x"')
      .send({ role: 'admin' })
      .expect(404);
    await as(t.app, world.tokens.member)
      .patch(`/api/v1/groups/${world.groupA.id}/members/${world.admin.id}`)
      .set('If-Match', '"x"')
      .send({ role: 'member' })
      .expect(403);
  });
});
