// GET /api/v1/tickets and /tickets/:id (SPEC §5): visibility, each filter's rule, the order,
// and the presented body.
import { as, ids, MALFORMED_ID, RANDOM_UUID, useWorld } from '../helpers/world';
import request from 'supertest';

const t = useWorld({ truncate: false }); // read-only tests over one world

const list = async (token: string, query = '') =>
  (await as(t.app, token).get(`/api/v1/tickets${query}`).expect(200)).body;

describe('GET /api/v1/tickets', () => {
  it('answers 401 without credentials', async () => {
    const res = await request(t.app).get('/api/v1/tickets').expect(401);
    expect(res.body).toMatchObject({ error: 'Unauthorized', code: 401 });
  });

  it('lists the tickets of your groups, by event start and then seat in natural order', async () => {
    const { tickets } = t.world;
    expect(ids(await list(t.world.tokens.member))).toEqual(
      [tickets.pastTicket, tickets.ticketB, tickets.ownedByMember, tickets.ownedByAdmin, tickets.available].map(
        (t) => t.id,
      ),
    );
  });

  it('shows nothing of groups you are not in, and nothing at all to a user in no group', async () => {
    expect(ids(await list(t.world.tokens.outsider))).toEqual([t.world.tickets.otherTicket.id]);
    expect(await list(t.world.tokens.loner)).toEqual([]);
  });

  it('presents a ticket with its event, owner, assignee and alias', async () => {
    const [ticket] = await list(t.world.tokens.member, `?event_id=${t.world.events.future.id}&limit=1`);
    const { ownedByMember } = t.world.tickets;
    expect(ticket).toEqual({
      id: ownedByMember.id,
      group_id: t.world.groupA.id,
      event_id: t.world.events.future.id,
      event: {
        id: t.world.events.future.id,
        name: 'Future game',
        start_time: t.world.events.future.start_time.toISOString(),
      },
      owner: { id: t.world.member.id, display_name: 'Max Member' },
      assignee: { id: t.world.member.id, display_name: 'Max Member' },
      alias: { id: t.world.aliases.memberAlias.id, display_name: 'Kid Member' },
      section: '326',
      row: 'K',
      seat: '9',
      display_name: '326 K 9',
      cost: '32.00',
      note: '',
      created_at: ownedByMember.created_at.toISOString(),
      updated_at: ownedByMember.updated_at.toISOString(),
    });
  });

  it('presents an available ticket with a null assignee and alias', async () => {
    const [ticket] = await list(t.world.tokens.admin, '?available=true');
    expect(ticket).toMatchObject({ id: t.world.tickets.available.id, assignee: null, alias: null });
  });

  describe('filters', () => {
    it('owner=me: the tickets you own', async () => {
      expect(ids(await list(t.world.tokens.admin, '?owner=me'))).toEqual([
        t.world.tickets.ownedByAdmin.id,
        t.world.tickets.available.id,
      ]);
    });

    it('assignee=me: the tickets assigned to you', async () => {
      expect(ids(await list(t.world.tokens.admin, '?assignee=me'))).toEqual([]);
      expect(ids(await list(t.world.tokens.member, '?assignee=me'))).toEqual(
        [t.world.tickets.pastTicket, t.world.tickets.ownedByMember, t.world.tickets.ownedByAdmin].map((t) => t.id),
      );
    });

    it('show=future: only tickets you own or are assigned, for events from now on', async () => {
      // adminB's ticket in group B is visible to member but neither owned nor held by them.
      expect(ids(await list(t.world.tokens.member, '?show=future'))).toEqual([
        t.world.tickets.ownedByMember.id,
        t.world.tickets.ownedByAdmin.id,
      ]);
      // The admin holds no seat: the available one is owned, so it counts.
      expect(ids(await list(t.world.tokens.admin, '?show=future'))).toEqual([
        t.world.tickets.ownedByAdmin.id,
        t.world.tickets.available.id,
      ]);
    });

    it('show=past: only tickets you own or are assigned, for events before now', async () => {
      expect(ids(await list(t.world.tokens.member, '?show=past'))).toEqual([t.world.tickets.pastTicket.id]);
      expect(ids(await list(t.world.tokens.admin, '?show=past'))).toEqual([]);
    });

    it('group_id: the tickets of one of your groups', async () => {
      expect(ids(await list(t.world.tokens.member, `?group_id=${t.world.groupB.id}`))).toEqual([
        t.world.tickets.ticketB.id,
      ]);
    });

    it('event_id: the tickets of one event of your groups', async () => {
      expect(ids(await list(t.world.tokens.member, `?event_id=${t.world.events.past.id}`))).toEqual([
        t.world.tickets.pastTicket.id,
      ]);
    });

    it('available=true: seats without an assignee; available=false: the others', async () => {
      expect(ids(await list(t.world.tokens.member, '?available=true'))).toEqual([t.world.tickets.available.id]);
      expect(await list(t.world.tokens.member, '?available=false')).toHaveLength(4);
    });

    it('combines filters with AND', async () => {
      expect(ids(await list(t.world.tokens.member, `?owner=me&group_id=${t.world.groupA.id}&show=future`))).toEqual([
        t.world.tickets.ownedByMember.id,
      ]);
      expect(await list(t.world.tokens.member, `?available=true&group_id=${t.world.groupB.id}`)).toEqual([]);
    });

    it.each([
      ['another group', () => `group_id=${t.world.groupC.id}`],
      ['a random group id', () => `group_id=${RANDOM_UUID}`],
      ['a malformed group id', () => `group_id=${MALFORMED_ID}`],
      ["another group's event", () => `event_id=${t.world.events.otherEvent.id}`],
      ['a random event id', () => `event_id=${RANDOM_UUID}`],
      ['a malformed event id', () => `event_id=${MALFORMED_ID}`],
    ])('answers 404 for a filter naming %s', async (_name, query) => {
      const res = await as(t.app, t.world.tokens.member).get(`/api/v1/tickets?${query()}`).expect(404);
      expect(res.body).toEqual({
        error: 'Not Found',
        error_detail: 'The record you requested could not be found.',
        code: 404,
      });
    });

    it('answers 404 for a group that was deactivated', async () => {
      await t.knex('groups').where({ id: t.world.groupB.id }).update({ deactivated_at: new Date() });
      try {
        await as(t.app, t.world.tokens.member).get(`/api/v1/tickets?group_id=${t.world.groupB.id}`).expect(404);
        await as(t.app, t.world.tokens.member).get(`/api/v1/tickets/${t.world.tickets.ticketB.id}`).expect(404);
        expect(ids(await list(t.world.tokens.member))).not.toContain(t.world.tickets.ticketB.id);
      } finally {
        await t.knex('groups').where({ id: t.world.groupB.id }).update({ deactivated_at: null });
      }
    });

    it.each([
      ['show=soon', 'show'],
      ['owner=someone', 'owner'],
      ['assignee=you', 'assignee'],
      ['available=yes', 'available'],
      ['limit=501', 'limit'],
      ['limit=0', 'limit'],
      ['limit=-1', 'limit'],
      ['limit=2.5', 'limit'],
      ['offset=-3', 'offset'],
      ['colour=red', 'colour'],
      ['limit=1&limit=2', 'limit'],
    ])('answers 400 naming the field for %s', async (query, field) => {
      const res = await as(t.app, t.world.tokens.member).get(`/api/v1/tickets?${query}`).expect(400);
      expect(res.body).toMatchObject({ error: 'Bad Request', code: 400 });
      expect(Object.keys(res.body.fields)).toEqual([field]);
    });
  });

  describe('pagination', () => {
    it('pages with limit and offset, with X-Total-Count and Link next/prev', async () => {
      const first = await as(t.app, t.world.tokens.member).get('/api/v1/tickets?limit=2').expect(200);
      expect(first.headers['x-total-count']).toBe('5');
      expect(first.headers.link).toBe('<http://seatshare.test/api/v1/tickets?limit=2&offset=2>; rel="next"');
      const middle = await as(t.app, t.world.tokens.member).get('/api/v1/tickets?limit=2&offset=2').expect(200);
      expect(middle.headers.link).toBe(
        '<http://seatshare.test/api/v1/tickets?limit=2&offset=4>; rel="next", <http://seatshare.test/api/v1/tickets?limit=2&offset=0>; rel="prev"',
      );
      const last = await as(t.app, t.world.tokens.member).get('/api/v1/tickets?limit=2&offset=4').expect(200);
      expect(ids(last.body)).toEqual([t.world.tickets.available.id]);
      expect(last.headers.link).toBe('<http://seatshare.test/api/v1/tickets?limit=2&offset=2>; rel="prev"');
    });

    it('keeps the other query parameters in the links', async () => {
      const res = await as(t.app, t.world.tokens.member).get(`/api/v1/tickets?owner=me&limit=1`).expect(200);
      expect(res.headers['x-total-count']).toBe('2');
      expect(res.headers.link).toBe('<http://seatshare.test/api/v1/tickets?owner=me&limit=1&offset=1>; rel="next"');
    });

    it('still counts the total on a page past the end', async () => {
      const res = await as(t.app, t.world.tokens.member).get('/api/v1/tickets?offset=50').expect(200);
      expect(res.body).toEqual([]);
      expect(res.headers['x-total-count']).toBe('5');
      expect(res.headers.link).toBe('<http://seatshare.test/api/v1/tickets?offset=0&limit=50>; rel="prev"');
    });
  });
});

describe('GET /api/v1/tickets/:id (and /ticket/:id)', () => {
  it.each(['tickets', 'ticket'])('shows a ticket of your group at /%s/:id', async (path) => {
    const res = await as(t.app, t.world.tokens.member).get(`/api/v1/${path}/${t.world.tickets.ticketB.id}`).expect(200);
    expect(res.body).toMatchObject({
      id: t.world.tickets.ticketB.id,
      display_name: 'B 1 1',
      owner: { id: t.world.adminB.id },
    });
  });

  it('answers 401 without credentials', async () => {
    await request(t.app).get(`/api/v1/tickets/${t.world.tickets.ticketB.id}`).expect(401);
  });

  it.each([
    ["another group's ticket", () => t.world.tickets.otherTicket.id],
    ['a random id', () => RANDOM_UUID],
    ['a malformed id', () => MALFORMED_ID],
  ])('answers 404 for %s', async (_name, id) => {
    const res = await as(t.app, t.world.tokens.member).get(`/api/v1/tickets/${id()}`).expect(404);
    expect(res.body.code).toBe(404);
  });
});
