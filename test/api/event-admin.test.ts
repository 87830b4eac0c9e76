// GET /api/v1/events/:id, and group admins' POST, PUT|PATCH, DELETE (SPEC §5, beyond the seed list).
import request from 'supertest';
import { as, MALFORMED_ID, RANDOM_UUID, useWorld } from '../helpers/world';
import { backendPid, started, waitUntilWaitingOnLock } from '../helpers/locks';

const t = useWorld();

const eventRow = (id: string) => t.knex('events').where({ id }).first();
const newEvent = (group_id: string) => ({
  group_id,
  name: ' Home vs Away ',
  start_time: '2027-03-01T20:30:00+01:00',
  time_tba: true,
});

describe('GET /api/v1/events/:id', () => {
  it('shows an event of your groups', async () => {
    const res = await as(t.app, t.world.tokens.member).get(`/api/v1/events/${t.world.events.futureB.id}`).expect(200);
    expect(res.body).toMatchObject({
      id: t.world.events.futureB.id,
      name: 'Bravo game',
      ticket_counts: { total: 1, available: 0, mine: 0 },
    });
    expect(res.body).not.toHaveProperty('role');
  });

  it('answers 401 without credentials', async () => {
    await request(t.app).get(`/api/v1/events/${t.world.events.future.id}`).expect(401);
  });

  it.each([
    ["another group's event", () => t.world.events.otherEvent.id],
    ['a random id', () => RANDOM_UUID],
    ['a malformed id', () => MALFORMED_ID],
  ])('answers 404 for %s, to GET, PATCH and DELETE', async (_name, id) => {
    await as(t.app, t.world.tokens.admin).get(`/api/v1/events/${id()}`).expect(404);
    await as(t.app, t.world.tokens.admin).patch(`/api/v1/events/${id()}`).send({ name: 'X' }).expect(404);
    await as(t.app, t.world.tokens.admin).delete(`/api/v1/events/${id()}`).expect(404);
  });
});

describe('POST /api/v1/events', () => {
  it('lets an admin add an event: 201 with Location and the presented event', async () => {
    const res = await as(t.app, t.world.tokens.admin)
      .post('/api/v1/events')
      .send(newEvent(t.world.groupA.id))
      .expect(201);
    expect(res.body).toMatchObject({
      group_id: t.world.groupA.id,
      name: 'Home vs Away',
      start_time: '2027-03-01T19:30:00.000Z',
      date_tba: false,
      time_tba: true,
      description: '',
      ticket_counts: { total: 0, available: 0, mine: 0 },
    });
    expect(res.headers.location).toBe(`http://seatshare.test/api/v1/events/${res.body.id}`);
    expect(await eventRow(res.body.id)).toMatchObject({ name: 'Home vs Away' });
  });

  it('answers 403 to a member of the group', async () => {
    const res = await as(t.app, t.world.tokens.member)
      .post('/api/v1/events')
      .send(newEvent(t.world.groupA.id))
      .expect(403);
    expect(res.body.error_detail).toBe('Only an admin of this group may add or change its events.');
    expect(await t.knex('events').where({ name: 'Home vs Away' })).toEqual([]);
  });

  it.each([
    ['a group you are not in', () => t.world.groupC.id],
    ['a random id', () => RANDOM_UUID],
    ['a malformed id', () => MALFORMED_ID],
  ])('answers 400 on group_id for %s', async (_name, group) => {
    const res = await as(t.app, t.world.tokens.admin).post('/api/v1/events').send(newEvent(group())).expect(400);
    expect(res.body.fields).toEqual({ group_id: ['must be one of your groups'] });
  });

  it.each([
    ['no name', { name: undefined }, 'name'],
    ['a name of 201 characters', { name: 'x'.repeat(201) }, 'name'],
    ['a start time without a zone', { start_time: '2027-03-01T20:30:00' }, 'start_time'],
    ['a start time that is no date', { start_time: 'next friday' }, 'start_time'],
    ['a start time in year 0000', { start_time: '0000-06-01T12:00:00Z' }, 'start_time'],
    ['a start time an offset pushes past 9999', { start_time: '9999-12-31T23:00:00-05:00' }, 'start_time'],
    ['a string for date_tba', { date_tba: 'no' }, 'date_tba'],
    ['an id', { id: RANDOM_UUID }, 'id'],
  ])('answers 400 for %s', async (_name, override, field) => {
    const res = await as(t.app, t.world.tokens.admin)
      .post('/api/v1/events')
      .send({ ...newEvent(t.world.groupA.id), ...override })
      .expect(400);
    expect(Object.keys(res.body.fields)).toEqual([field]);
  });

  it('answers 401 without credentials and 403 to a read-only token', async () => {
    await request(t.app).post('/api/v1/events').send(newEvent(t.world.groupA.id)).expect(401);
    await as(t.app, t.world.readOnly).post('/api/v1/events').send(newEvent(t.world.groupB.id)).expect(403);
  });
});

describe('PUT|PATCH /api/v1/events/:id', () => {
  it.each(['put', 'patch'] as const)('%s lets an admin change an event', async (method) => {
    const agent = as(t.app, t.world.tokens.admin);
    const res = await agent[method](`/api/v1/events/${t.world.events.future.id}`)
      .send({ name: 'Derby', date_tba: true, start_time: '2027-01-01T00:00:00Z' })
      .expect(200);
    expect(res.body).toMatchObject({
      name: 'Derby',
      date_tba: true,
      start_time: '2027-01-01T00:00:00.000Z',
      ticket_counts: { total: 3 },
    });
  });

  it('answers 403 to a member', async () => {
    await as(t.app, t.world.tokens.member)
      .patch(`/api/v1/events/${t.world.events.future.id}`)
      .send({ name: 'Ours' })
      .expect(403);
    expect((await eventRow(t.world.events.future.id)).name).toBe('Future game');
  });

  it('answers 400 for a group_id (an event stays in its group)', async () => {
    const res = await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/events/${t.world.events.future.id}`)
      .send({ group_id: t.world.groupB.id })
      .expect(400);
    expect(res.body.fields).toEqual({ group_id: ['is not a field that can be set here'] });
  });
});

describe('DELETE /api/v1/events/:id', () => {
  it('deletes an event without tickets: 204', async () => {
    const { body } = await as(t.app, t.world.tokens.admin)
      .post('/api/v1/events')
      .send(newEvent(t.world.groupA.id))
      .expect(201);
    await as(t.app, t.world.tokens.admin).delete(`/api/v1/events/${body.id}`).expect(204);
    expect(await eventRow(body.id)).toBeUndefined();
  });

  it('answers 409 for an event with tickets, and deletes it with them when forced, recording each', async () => {
    const { future } = t.world.events;
    const res = await as(t.app, t.world.tokens.admin).delete(`/api/v1/events/${future.id}`).expect(409);
    expect(res.body.error_detail).toContain('3 ticket(s)');
    expect(await eventRow(future.id)).toBeDefined();
    await as(t.app, t.world.tokens.admin).delete(`/api/v1/events/${future.id}?force=true`).expect(204);
    expect(await eventRow(future.id)).toBeUndefined();
    expect(await t.knex('tickets').where({ event_id: future.id })).toEqual([]);
    const deleted = await t.knex('ticket_history').where({ group_id: t.world.groupA.id, action: 'deleted' });
    expect(deleted).toHaveLength(3);
    expect(deleted[0].changes.event_id).toEqual([future.id, null]);
    // The same snapshot as a ticket deleted by hand: every field, cost as its decimal string.
    expect(Object.keys(deleted[0].changes).sort()).toEqual([
      'alias_id',
      'assignee_id',
      'cost',
      'event_id',
      'note',
      'owner_id',
      'row',
      'seat',
      'section',
    ]);
    expect(deleted[0].changes.cost[0]).toMatch(/^\d+\.\d\d$/);
  });

  // Two connections at once: PGlite has one, so this runs in CI's PostgreSQL pass.
  (process.env.DATABASE_URL ? it : it.skip)(
    'counts tickets added while it waited for the lock: 409, nothing deleted (PostgreSQL)',
    async () => {
      const { body: event } = await as(t.app, t.world.tokens.admin)
        .post('/api/v1/events')
        .send(newEvent(t.world.groupA.id))
        .expect(201);
      const adding = await t.knex.transaction();
      await adding('tickets').insert({
        group_id: t.world.groupA.id,
        event_id: event.id,
        owner_id: t.world.admin.id,
        section: 'A',
        row: '1',
        seat: '1',
      });
      const addingPid = await backendPid(adding);
      const deleting = started(as(t.app, t.world.tokens.admin).delete(`/api/v1/events/${event.id}`));
      // The delete's row lock waits on the new ticket's key lock (its foreign key to the event).
      try {
        await waitUntilWaitingOnLock(t.knex, { blockedBy: addingPid, finished: () => deleting.done });
      } finally {
        await adding.commit();
      }
      expect((await deleting.result).status).toBe(409);
      expect(await eventRow(event.id)).toBeDefined();
    },
  );

  it('answers 403 to a member, and 400 for a bad force value', async () => {
    await as(t.app, t.world.tokens.member).delete(`/api/v1/events/${t.world.events.past.id}?force=true`).expect(403);
    const res = await as(t.app, t.world.tokens.admin)
      .delete(`/api/v1/events/${t.world.events.past.id}?force=yes`)
      .expect(400);
    expect(Object.keys(res.body.fields)).toEqual(['force']);
    expect(await eventRow(t.world.events.past.id)).toBeDefined();
  });
});
