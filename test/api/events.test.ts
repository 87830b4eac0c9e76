// GET /api/v1/events (SPEC §5): events of your groups, past or future, by start time.
import request from 'supertest';
import { as, ids, MALFORMED_ID, RANDOM_UUID, useWorld } from '../helpers/world';

const t = useWorld({ truncate: false }); // read-only tests over one world

const list = async (token: string, query = '') =>
  (await as(t.app, token).get(`/api/v1/events${query}`).expect(200)).body;

describe('GET /api/v1/events', () => {
  it('answers 401 without credentials', async () => {
    await request(t.app).get('/api/v1/events').expect(401);
  });

  it('lists the events of your groups by start time, and nothing of other groups', async () => {
    const { past, futureB, future, otherEvent } = t.world.events;
    expect(ids(await list(t.world.tokens.member))).toEqual([past.id, futureB.id, future.id]);
    expect(ids(await list(t.world.tokens.admin))).toEqual([past.id, future.id]);
    expect(ids(await list(t.world.tokens.outsider))).toEqual([otherEvent.id]);
    expect(await list(t.world.tokens.loner)).toEqual([]);
  });

  it('leaves out the events of a deactivated group', async () => {
    await t.knex('groups').where({ id: t.world.groupB.id }).update({ deactivated_at: new Date() });
    try {
      expect(ids(await list(t.world.tokens.member))).toEqual([t.world.events.past.id, t.world.events.future.id]);
    } finally {
      await t.knex('groups').where({ id: t.world.groupB.id }).update({ deactivated_at: null });
    }
  });

  it('presents an event with the ticket counts as the caller sees them', async () => {
    const [event] = await list(t.world.tokens.member, `?group_id=${t.world.groupA.id}&show=future`);
    const { future } = t.world.events;
    expect(event).toEqual({
      id: future.id,
      group_id: t.world.groupA.id,
      name: 'Future game',
      description: '',
      start_time: future.start_time.toISOString(),
      date_tba: false,
      time_tba: false,
      ticket_counts: { total: 3, available: 1, mine: 2 },
      created_at: future.created_at.toISOString(),
    });
    const [asAdmin] = await list(t.world.tokens.admin, `?group_id=${t.world.groupA.id}&show=future`);
    expect(asAdmin.ticket_counts).toEqual({ total: 3, available: 1, mine: 0 });
  });

  it('show=future and show=past split at now', async () => {
    expect(ids(await list(t.world.tokens.member, '?show=future'))).toEqual([
      t.world.events.futureB.id,
      t.world.events.future.id,
    ]);
    expect(ids(await list(t.world.tokens.member, '?show=past'))).toEqual([t.world.events.past.id]);
  });

  it('ordering=-start_time: newest first', async () => {
    const { past, futureB, future } = t.world.events;
    expect(ids(await list(t.world.tokens.member, '?ordering=-start_time'))).toEqual([future.id, futureB.id, past.id]);
  });

  it('group_id: one of your groups', async () => {
    expect(ids(await list(t.world.tokens.member, `?group_id=${t.world.groupB.id}`))).toEqual([
      t.world.events.futureB.id,
    ]);
  });

  it.each([
    ['another group', () => t.world.groupC.id],
    ['a random id', () => RANDOM_UUID],
    ['a malformed id', () => MALFORMED_ID],
  ])('group_id: answers 404 for %s', async (_name, id) => {
    await as(t.app, t.world.tokens.member).get(`/api/v1/events?group_id=${id()}`).expect(404);
  });

  it.each([
    ['show=soon', 'show'],
    ['ordering=name', 'ordering'],
    ['limit=1000', 'limit'],
    ['offset=x', 'offset'],
  ])('answers 400 for %s', async (query, field) => {
    const res = await as(t.app, t.world.tokens.member).get(`/api/v1/events?${query}`).expect(400);
    expect(Object.keys(res.body.fields)).toEqual([field]);
  });

  it('pages with X-Total-Count and Link', async () => {
    const res = await as(t.app, t.world.tokens.member).get('/api/v1/events?limit=1&offset=1').expect(200);
    expect(ids(res.body)).toEqual([t.world.events.futureB.id]);
    expect(res.headers['x-total-count']).toBe('3');
    expect(res.headers.link).toContain('rel="next"');
    expect(res.headers.link).toContain('rel="prev"');
  });
});
