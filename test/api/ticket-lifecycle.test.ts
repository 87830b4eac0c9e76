// POST /api/v1/tickets (one event or a season), POST /tickets/:id/request and
// GET /tickets/:id/history (SPEC §5, beyond the seed list).
import request from 'supertest';
import { as, ids, MALFORMED_ID, RANDOM_UUID, useWorld } from '../helpers/world';

const t = useWorld();

const countTickets = async () => Number((await t.knex('tickets').count({ n: '*' }))[0]!.n);

describe('POST /api/v1/tickets', () => {
  it('adds a ticket you own for one event, assigned to you: 201 with Location, recorded as created', async () => {
    const res = await as(t.app, t.world.tokens.member)
      .post('/api/v1/tickets')
      .send({ event_id: t.world.events.future.id, section: '326', row: 'K', seat: '12', cost: '45' })
      .expect(201);
    expect(res.body).toMatchObject({
      event_id: t.world.events.future.id,
      group_id: t.world.groupA.id,
      owner: { id: t.world.member.id },
      assignee: { id: t.world.member.id },
      display_name: '326 K 12',
      cost: '45.00',
    });
    expect(res.headers.location).toBe(`http://seatshare.test/api/v1/tickets/${res.body.id}`);
    const [entry] = await t.knex('ticket_history').where({ ticket_id: res.body.id });
    expect(entry).toMatchObject({ action: 'created', actor_id: t.world.member.id });
    expect(entry.changes).toMatchObject({
      seat: [null, '12'],
      cost: [null, '45.00'],
      assignee_id: [null, t.world.member.id],
    });
  });

  it('adds a season: one ticket per event, as an array in the order given', async () => {
    const { past, future } = t.world.events;
    const res = await as(t.app, t.world.tokens.admin)
      .post('/api/v1/tickets')
      .send({ event_ids: [future.id, past.id], section: '101', seat: '1', assignee_id: null })
      .expect(201);
    expect(res.body.map((t: { event_id: string }) => t.event_id)).toEqual([future.id, past.id]);
    for (const ticket of res.body)
      expect(ticket).toMatchObject({ owner: { id: t.world.admin.id }, assignee: null, display_name: '101 1' });
    expect(await t.knex('ticket_history').where({ action: 'created', actor_id: t.world.admin.id })).toHaveLength(2);
  });

  it('rolls the whole season back when one event is not usable, naming it', async () => {
    const before = await countTickets();
    const res = await as(t.app, t.world.tokens.member)
      .post('/api/v1/tickets')
      .send({ event_ids: [t.world.events.future.id, t.world.events.otherEvent.id, MALFORMED_ID], seat: '5' })
      .expect(400);
    expect(res.body.fields).toEqual({
      'event_ids.1': ['must be an event of your groups'],
      'event_ids.2': ['must be an event of your groups'],
    });
    expect(await countTickets()).toBe(before);
  });

  it('rolls the season back when a statement after the tickets were inserted fails', async () => {
    // The history rows are written after the tickets: a trigger makes that statement fail.
    await t.knex.raw(`create function refuse_history() returns trigger language plpgsql as $$
      begin raise exception 'no history today' using errcode = 'check_violation'; end $$`);
    await t.knex.raw(
      'create trigger refuse_history before insert on ticket_history for each row execute function refuse_history()',
    );
    try {
      const before = await countTickets();
      await as(t.app, t.world.tokens.admin)
        .post('/api/v1/tickets')
        .send({ event_ids: [t.world.events.future.id, t.world.events.past.id], seat: '6' })
        .expect(400);
      expect(await countTickets()).toBe(before);
    } finally {
      await t.knex.raw('drop trigger refuse_history on ticket_history');
      await t.knex.raw('drop function refuse_history()');
    }
  });

  it('assigns to another member of the group, and refuses a non-member with 400', async () => {
    const ok = await as(t.app, t.world.tokens.member)
      .post('/api/v1/tickets')
      .send({ event_id: t.world.events.future.id, seat: '20', assignee_id: t.world.admin.id })
      .expect(201);
    expect(ok.body.assignee).toEqual({ id: t.world.admin.id, display_name: 'Ada Admin' });
    // adminB shares group B with member, but not group A, the event's group.
    const bad = await as(t.app, t.world.tokens.member)
      .post('/api/v1/tickets')
      .send({ event_id: t.world.events.future.id, seat: '21', assignee_id: t.world.adminB.id })
      .expect(400);
    expect(bad.body.fields).toEqual({ assignee_id: ["must be a member of the event's group, or null"] });
  });

  it.each([
    ['another group', () => ({ event_id: t.world.events.otherEvent.id, seat: '1' }), 'event_id'],
    ['a random event id', () => ({ event_id: RANDOM_UUID, seat: '1' }), 'event_id'],
    ['neither event_id nor event_ids', () => ({ seat: '1' }), 'event_id'],
    [
      'both event_id and event_ids',
      () => ({ event_id: t.world.events.future.id, event_ids: [t.world.events.past.id], seat: '1' }),
      'event_id',
    ],
    ['an empty season', () => ({ event_ids: [], seat: '1' }), 'event_ids'],
    ['an event twice', () => ({ event_ids: [t.world.events.past.id, t.world.events.past.id], seat: '1' }), 'event_ids'],
    ['a blank place', () => ({ event_id: t.world.events.future.id, section: ' ' }), 'seat'],
    ['an owner_id', () => ({ event_id: t.world.events.future.id, seat: '1', owner_id: t.world.admin.id }), 'owner_id'],
    [
      'an alias_id',
      () => ({ event_id: t.world.events.future.id, seat: '1', alias_id: t.world.aliases.memberAlias.id }),
      'alias_id',
    ],
    ['a negative cost', () => ({ event_id: t.world.events.future.id, seat: '1', cost: -5 }), 'cost'],
  ])('answers 400 for %s, and adds nothing', async (_name, body, field) => {
    const before = await countTickets();
    const res = await as(t.app, t.world.tokens.member).post('/api/v1/tickets').send(body()).expect(400);
    expect(Object.keys(res.body.fields)).toEqual([field]);
    expect(await countTickets()).toBe(before);
  });

  it('answers 401 without credentials and 403 to a read-only token', async () => {
    await request(t.app).post('/api/v1/tickets').send({ event_id: t.world.events.future.id, seat: '1' }).expect(401);
    await as(t.app, t.world.readOnly)
      .post('/api/v1/tickets')
      .send({ event_id: t.world.events.future.id, seat: '1' })
      .expect(403);
  });
});

describe('POST /api/v1/tickets/:id/request', () => {
  it("lets a member ask for another member's ticket: 201 with the history entry", async () => {
    const { available } = t.world.tickets; // the admin's
    const res = await as(t.app, t.world.tokens.member)
      .post(`/api/v1/tickets/${available.id}/request`)
      .send({ message: ' May I? ' })
      .expect(201);
    expect(res.body).toMatchObject({
      action: 'requested',
      actor: { id: t.world.member.id, display_name: 'Max Member' },
      message: 'May I?',
      changes: {},
    });
    const history = await as(t.app, t.world.tokens.admin).get(`/api/v1/tickets/${available.id}/history`).expect(200);
    expect(history.body[0]).toMatchObject({ id: res.body.id, action: 'requested', message: 'May I?' });
  });

  it('takes no message too', async () => {
    const res = await as(t.app, t.world.tokens.member)
      .post(`/api/v1/tickets/${t.world.tickets.available.id}/request`)
      .expect(201);
    expect(res.body.message).toBeNull();
  });

  it('answers 403 to the owner', async () => {
    const res = await as(t.app, t.world.tokens.admin)
      .post(`/api/v1/tickets/${t.world.tickets.available.id}/request`)
      .send({})
      .expect(403);
    expect(res.body.error_detail).toBe('You own this ticket; requests are for the other members.');
  });

  it.each([
    ["another group's ticket", () => t.world.tickets.otherTicket.id],
    ['a random id', () => RANDOM_UUID],
    ['a malformed id', () => MALFORMED_ID],
  ])('answers 404 for %s', async (_name, id) => {
    await as(t.app, t.world.tokens.member).post(`/api/v1/tickets/${id()}/request`).send({}).expect(404);
  });

  it('answers 400 for a message over 5000 characters, 401 without credentials', async () => {
    const res = await as(t.app, t.world.tokens.member)
      .post(`/api/v1/tickets/${t.world.tickets.available.id}/request`)
      .send({ message: 'x'.repeat(5001) })
      .expect(400);
    expect(Object.keys(res.body.fields)).toEqual(['message']);
    await request(t.app).post(`/api/v1/tickets/${t.world.tickets.available.id}/request`).expect(401);
  });
});

describe('GET /api/v1/tickets/:id/history', () => {
  it('lists what happened to a ticket, newest first, to any member of its group', async () => {
    const { ownedByAdmin } = t.world.tickets;
    await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/tickets/${ownedByAdmin.id}`)
      .send({ note: 'first' })
      .expect(200);
    await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/tickets/${ownedByAdmin.id}`)
      .send({ assignee_id: null })
      .expect(200);
    const res = await as(t.app, t.world.tokens.member).get(`/api/v1/tickets/${ownedByAdmin.id}/history`).expect(200);
    expect(res.body.map((entry: { action: string }) => entry.action)).toEqual(['unassigned', 'updated']);
    expect(res.body[1]).toEqual({
      id: expect.any(String),
      action: 'updated',
      actor: { id: t.world.admin.id, display_name: 'Ada Admin' },
      changes: { note: ['', 'first'] },
      message: null,
      created_at: expect.stringMatching(/Z$/),
    });
    expect(res.headers['x-total-count']).toBe('2');
  });

  it.each([
    ["another group's ticket", () => t.world.tickets.otherTicket.id],
    ['a random id', () => RANDOM_UUID],
    ['a malformed id', () => MALFORMED_ID],
  ])('answers 404 for %s', async (_name, id) => {
    await as(t.app, t.world.tokens.member).get(`/api/v1/tickets/${id()}/history`).expect(404);
  });

  it('answers 401 without credentials and 400 for a bad limit', async () => {
    await request(t.app).get(`/api/v1/tickets/${t.world.tickets.available.id}/history`).expect(401);
    await as(t.app, t.world.tokens.member)
      .get(`/api/v1/tickets/${t.world.tickets.available.id}/history?limit=0`)
      .expect(400);
  });

  it('is visible through the list too: a created ticket appears in GET /tickets', async () => {
    const { body } = await as(t.app, t.world.tokens.member)
      .post('/api/v1/tickets')
      .send({ event_id: t.world.events.futureB.id, seat: '2' })
      .expect(201);
    expect(
      ids(
        (
          await as(t.app, t.world.tokens.adminB)
            .get(`/api/v1/tickets?event_id=${t.world.events.futureB.id}`)
            .expect(200)
        ).body,
      ),
    ).toContain(body.id);
  });
});
