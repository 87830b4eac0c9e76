// Delta sync (SPEC §8, issue #17): `updated_since` on the lists and GET /api/v1/deletions. A
// client keeps the `X-Sync-Time` of a round and sends it back as `since` / `updated_since` in
// the next: deletions first (drop them), then the lists (upsert what they return).
import request from 'supertest';
import { deleteAccount } from '../../src/accounts/deletion';
import { runBackgroundWork } from '../../src/background';
import { openAnotherPool } from '../helpers/db';
import { as, ids, useWorld } from '../helpers/world';

const t = useWorld();

const LISTS = ['groups', 'events', 'tickets', 'users', 'user_aliases'] as const;
type List = (typeof LISTS)[number];

// The world was built a moment ago; make it an hour old so that "changed since the sync point"
// is only what a test changes (the embedded database's clock has millisecond steps).
beforeEach(async () => {
  for (const table of ['users', 'groups', 'memberships', 'events', 'tickets', 'user_aliases'])
    await t.knex.raw(
      `update ${table} set created_at = created_at - interval '1 hour', updated_at = updated_at - interval '1 hour'`,
    );
});

/** The first sync point: GET /deletions without `since`. */
async function startSync(token: string): Promise<string> {
  const res = await as(t.app, token).get('/api/v1/deletions').expect(200);
  expect(res.body).toEqual([]);
  expect(res.headers['x-total-count']).toBe('0');
  return res.headers['x-sync-time'] as string;
}

/** Every page of `path` (limit=1, following `Link: rel="next"`), and the first page's X-Sync-Time. */
async function allPages(
  token: string,
  path: string,
): Promise<{ items: Array<Record<string, string>>; syncTime: string }> {
  const items: Array<Record<string, string>> = [];
  let url: string | undefined = `${path}${path.includes('?') ? '&' : '?'}limit=1`;
  let syncTime = '';
  let pages = 0;
  while (url) {
    const res = await as(t.app, token).get(url).expect(200);
    syncTime ||= res.headers['x-sync-time'] as string;
    items.push(...res.body);
    pages += 1;
    const next = /<http:\/\/seatshare\.test([^>]+)>; rel="next"/.exec(res.headers.link ?? '');
    url = next?.[1];
  }
  expect(pages).toBe(Math.max(1, items.length));
  return { items, syncTime };
}

/** One sync round from `since`: what left the view, and what each list reports as changed. */
async function syncRound(token: string, since: string) {
  const deletions = await allPages(token, `/api/v1/deletions?since=${encodeURIComponent(since)}`);
  const changed = {} as Record<List, string[]>;
  for (const list of LISTS) {
    const page = await allPages(token, `/api/v1/${list}?updated_since=${encodeURIComponent(since)}`);
    expect(page.syncTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    changed[list] = ids(page.items as Array<{ id: string }>).sort();
  }
  const gone = deletions.items.map(({ type, id }) => `${type} ${id}`).sort();
  return { gone, changed, syncTime: deletions.syncTime };
}

const nothingChanged = { groups: [], events: [], tickets: [], users: [], user_aliases: [] };

describe('a sync walk', () => {
  it('tells a member exactly what changed, was deleted, or left their view, page by page', async () => {
    const { world } = t;
    const member = world.tokens.member;
    const t0 = await startSync(member);
    expect(await syncRound(member, t0)).toMatchObject({ gone: [], changed: nothingChanged });

    // Another member creates, changes and deletes tickets in group A.
    const created = await as(t.app, world.tokens.admin)
      .post('/api/v1/tickets')
      .send({ event_id: world.events.future.id, section: '1', row: '2', seat: '3' })
      .expect(201);
    await as(t.app, world.tokens.admin)
      .patch(`/api/v1/tickets/${world.tickets.available.id}`)
      .send({ note: 'aisle' })
      .expect(200);
    const shortLived = await as(t.app, world.tokens.admin)
      .post('/api/v1/tickets')
      .send({ event_id: world.events.future.id, seat: '99' })
      .expect(201);
    await as(t.app, world.tokens.admin).delete(`/api/v1/tickets/${shortLived.body.id}`).expect(204);
    await as(t.app, world.tokens.admin).delete(`/api/v1/tickets/${world.tickets.ownedByAdmin.id}`).expect(204);
    // The member is removed from group B: B, its event and ticket, and adminB (who shares no
    // other group with them) with her alias leave the member's view.
    await as(t.app, world.tokens.adminB)
      .delete(`/api/v1/groups/${world.groupB.id}/members/${world.member.id}`)
      .expect(204);

    const round = await syncRound(member, t0);
    expect(round.gone).toEqual(
      [
        `ticket ${shortLived.body.id}`,
        `ticket ${world.tickets.ownedByAdmin.id}`,
        `group ${world.groupB.id}`,
        `event ${world.events.futureB.id}`,
        `ticket ${world.tickets.ticketB.id}`,
        `user ${world.adminB.id}`,
        `user_alias ${world.aliases.adminBAlias.id}`,
      ].sort(),
    );
    expect(round.changed).toEqual({
      ...nothingChanged,
      // Group A's events: their ticket_counts may have changed (tickets added, changed and
      // deleted there; a tombstone names no event, so every event of the group is sent again).
      events: [world.events.past.id, world.events.future.id].sort(),
      tickets: [created.body.id, world.tickets.available.id].sort(),
    });

    // The next round, from the sync point this one gave, has nothing new.
    expect(round.syncTime >= t0).toBe(true);
    expect(await syncRound(member, round.syncTime)).toMatchObject({ gone: [], changed: nothingChanged });
  });

  it('reports what came into view: a new member, and to them the group with its events and tickets', async () => {
    const { world } = t;
    const adminSince = await startSync(world.tokens.admin);
    const lonerSince = await startSync(world.tokens.loner);
    await as(t.app, world.tokens.loner)
      .post('/api/v1/groups/join')
      .send({ code: world.groupA.invitation_code })
      .expect(200);

    const admin = await syncRound(world.tokens.admin, adminSince);
    expect(admin.gone).toEqual([]);
    // The loner's row did not change, but she is new in the admin's view; member_count changed.
    expect(admin.changed).toEqual({ ...nothingChanged, groups: [world.groupA.id], users: [world.loner.id] });

    const loner = await syncRound(world.tokens.loner, lonerSince);
    expect(loner.gone).toEqual([]);
    expect(loner.changed).toEqual({
      groups: [world.groupA.id],
      events: [world.events.past.id, world.events.future.id].sort(),
      tickets: [
        world.tickets.ownedByAdmin.id,
        world.tickets.ownedByMember.id,
        world.tickets.available.id,
        world.tickets.pastTicket.id,
      ].sort(),
      users: [world.admin.id, world.member.id].sort(),
      user_aliases: [world.aliases.memberAlias.id],
    });
  });

  it('reports a deactivated group with its events and tickets to every member', async () => {
    const { world } = t;
    const since = await startSync(world.tokens.member);
    await as(t.app, world.tokens.admin).delete(`/api/v1/groups/${world.groupA.id}`).expect(204);
    const round = await syncRound(world.tokens.member, since);
    expect(round.gone).toEqual(
      [
        `group ${world.groupA.id}`,
        `event ${world.events.past.id}`,
        `event ${world.events.future.id}`,
        ...Object.values(world.tickets)
          .filter((ticket) => ticket.group_id === world.groupA.id)
          .map((ticket) => `ticket ${ticket.id}`),
        `user ${world.admin.id}`,
      ].sort(),
    );
    expect(round.changed).toEqual(nothingChanged);
  });

  it("reports a deleted event and alias to those who saw them, never another user's deletions", async () => {
    const { world } = t;
    const member = await startSync(world.tokens.member);
    const adminB = await startSync(world.tokens.adminB);
    const outsider = await startSync(world.tokens.outsider);
    await as(t.app, world.tokens.admin).delete(`/api/v1/events/${world.events.past.id}?force=true`).expect(204);
    await as(t.app, world.tokens.member).delete(`/api/v1/user_aliases/${world.aliases.memberAlias.id}`).expect(204);
    await as(t.app, world.tokens.outsider).delete(`/api/v1/tickets/${world.tickets.otherTicket.id}`).expect(204);

    expect((await syncRound(world.tokens.member, member)).gone).toEqual(
      [
        `event ${world.events.past.id}`,
        `ticket ${world.tickets.pastTicket.id}`,
        `user_alias ${world.aliases.memberAlias.id}`,
      ].sort(),
    );
    // adminB shares group B with the member: the alias, not group A's event.
    expect((await syncRound(world.tokens.adminB, adminB)).gone).toEqual([`user_alias ${world.aliases.memberAlias.id}`]);
    expect((await syncRound(world.tokens.outsider, outsider)).gone).toEqual([`ticket ${world.tickets.otherTicket.id}`]);
    expect((await syncRound(world.tokens.loner, member)).gone).toEqual([]);
  });
});

describe('the sync point', () => {
  // A change's updated_at is its transaction's start. A transaction that started before a round
  // and commits after it must still be seen by the next round: the sync point is never later than
  // the start of a transaction still running. Needs a second connection: PostgreSQL only.
  if (process.env.DATABASE_URL) {
    it('is no later than a transaction still running, so its change comes in the next round', async () => {
      const { world } = t;
      const other = await openAnotherPool(t.knex);
      try {
        const slow = await other.knex.transaction();
        await slow('tickets')
          .where({ id: world.tickets.available.id })
          .update({ note: 'late', updated_at: slow.fn.now() });
        const round = await syncRound(world.tokens.member, await startSync(world.tokens.member));
        expect(round.changed.tickets).toEqual([]); // not committed yet
        await slow.commit();
        const next = await syncRound(world.tokens.member, round.syncTime);
        expect(next.changed.tickets).toEqual([world.tickets.available.id]);
      } finally {
        await other.close();
      }
    });
  }
});

describe('what left the view, bounded to what the caller could have seen', () => {
  const join = (token: string, code: string) => as(t.app, token).post('/api/v1/groups/join').send({ code }).expect(200);
  const leave = (token: string, groupId: string, userId: string) =>
    as(t.app, token).delete(`/api/v1/groups/${groupId}/members/${userId}`).expect(204);

  it('names a member who had left a group before the caller lost it', async () => {
    const { world } = t;
    await join(world.tokens.loner, world.groupB.invitation_code);
    const since = await startSync(world.tokens.member);
    await leave(world.tokens.loner, world.groupB.id, world.loner.id);
    await as(t.app, world.tokens.adminB).delete(`/api/v1/groups/${world.groupB.id}`).expect(204);
    const round = await syncRound(world.tokens.member, since);
    expect(round.gone).toEqual(
      [
        `group ${world.groupB.id}`,
        `event ${world.events.futureB.id}`,
        `ticket ${world.tickets.ticketB.id}`,
        `user ${world.adminB.id}`,
        `user_alias ${world.aliases.adminBAlias.id}`,
        `user ${world.loner.id}`,
      ].sort(),
    );
  });

  it('sends an event again when its ticket counts change (a ticket of it assigned), and only that event', async () => {
    const { world } = t;
    const since = await startSync(world.tokens.member);
    await as(t.app, world.tokens.adminB)
      .patch(`/api/v1/tickets/${world.tickets.ticketB.id}`)
      .send({ assignee_id: world.member.id })
      .expect(200);
    const round = await syncRound(world.tokens.member, since);
    expect(round.changed.events).toEqual([world.events.futureB.id]);
    expect(round.changed.tickets).toEqual([world.tickets.ticketB.id]);
  });

  it('names nothing deleted, and nobody who left, before the caller joined', async () => {
    const { world } = t;
    const since = await startSync(world.tokens.loner);
    await as(t.app, world.tokens.adminB).delete(`/api/v1/tickets/${world.tickets.ticketB.id}`).expect(204);
    await leave(world.tokens.member, world.groupB.id, world.member.id);
    await join(world.tokens.loner, world.groupB.invitation_code);
    expect((await syncRound(world.tokens.loner, since)).gone).toEqual([]);
  });

  it('lists a group left and rejoined once, with what was deleted while the caller was away', async () => {
    const { world } = t;
    const since = await startSync(world.tokens.member);
    for (let round = 0; round < 3; round += 1) {
      await leave(world.tokens.member, world.groupB.id, world.member.id);
      if (round === 1)
        await as(t.app, world.tokens.adminB).delete(`/api/v1/tickets/${world.tickets.ticketB.id}`).expect(204);
      await join(world.tokens.member, world.groupB.invitation_code);
    }
    const { gone } = await syncRound(world.tokens.member, since);
    expect(new Set(gone).size).toBe(gone.length);
    expect(gone).toEqual(expect.arrayContaining([`group ${world.groupB.id}`, `ticket ${world.tickets.ticketB.id}`]));
  });

  it("names a deleted account's aliases to the members of its groups", async () => {
    const { world } = t;
    const since = await startSync(world.tokens.admin);
    await t.knex.transaction((trx) => deleteAccount(trx, world.member.id, { baseUrl: 'http://seatshare.test' }));
    const { gone } = await syncRound(world.tokens.admin, since);
    expect(gone).toEqual(
      expect.arrayContaining([`user ${world.member.id}`, `user_alias ${world.aliases.memberAlias.id}`]),
    );
  });
});

describe('refusals', () => {
  it.each(LISTS)('GET /%s: 400 naming updated_since when it is not one time', async (list) => {
    for (const bad of [
      'updated_since=yesterday',
      'updated_since=2026-13-45T99:00:00Z',
      'updated_since=2026-02-30T00:00:00Z',
      'updated_since=2026-01-01T00:00:00%2B23:59',
      'updated_since=0000-01-01T00:00:00Z',
      'updated_since=a&updated_since=b',
    ]) {
      const res = await as(t.app, t.world.tokens.member).get(`/api/v1/${list}?${bad}`).expect(400);
      expect(Object.keys(res.body.fields)).toEqual(['updated_since']);
      expect(res.body.fields.updated_since).toHaveLength(1); // one message, not one per failed check
    }
  });

  it('GET /deletions: 400 naming since when it is not one time', async () => {
    for (const bad of ['since=2026-12-01', 'since=1733000000', 'since=x&since=y', 'since=2026-11-30T00:00:00-16:00']) {
      const res = await as(t.app, t.world.tokens.member).get(`/api/v1/deletions?${bad}`).expect(400);
      expect(Object.keys(res.body.fields)).toEqual(['since']);
    }
  });

  it('GET /deletions: 410 Gone telling the client to resync when since is older than the retention', async () => {
    const since = new Date(Date.now() - 91 * 24 * 3600 * 1000).toISOString();
    const res = await as(t.app, t.world.tokens.member)
      .get(`/api/v1/deletions?since=${since}`)
      .expect('Content-Type', /json/)
      .expect(410);
    expect(res.body).toEqual({ error: 'Gone', code: 410, error_detail: expect.stringMatching(/Resync fully/) });
    const within = new Date(Date.now() - 89 * 24 * 3600 * 1000).toISOString();
    await as(t.app, t.world.tokens.member).get(`/api/v1/deletions?since=${within}`).expect(200);
  });

  it('GET /deletions: 401 without credentials', async () => {
    await request(t.app).get('/api/v1/deletions').expect(401);
  });
});

describe('the background purge', () => {
  it('deletes tombstones older than the retention only', async () => {
    const { world } = t;
    await as(t.app, world.tokens.admin).delete(`/api/v1/tickets/${world.tickets.available.id}`).expect(204);
    await as(t.app, world.tokens.admin).delete(`/api/v1/tickets/${world.tickets.ownedByAdmin.id}`).expect(204);
    await t
      .knex('deletions')
      .where({ record_id: world.tickets.ownedByAdmin.id })
      .update({
        deleted_at: t.knex.raw(`now() - interval '91 days'`),
      });
    const outcome = await runBackgroundWork(t.db, { deletionsRetentionDays: 90 });
    expect(outcome).toMatchObject({ ran: true, result: { tombstones: 1 } });
    expect(await t.knex('deletions').pluck('record_id')).toEqual([world.tickets.available.id]);
  });
});
