// PUT|PATCH|DELETE /api/v1/tickets/:id (SPEC §5): who may change what, the body's references,
// and the ticket history written in the same transaction.
import request from 'supertest';
import { as, MALFORMED_ID, RANDOM_UUID, useWorld } from '../helpers/world';

const t = useWorld();

const ticketRow = (id: string) => t.knex('tickets').where({ id }).first();
const historyOf = (id: string) => t.knex('ticket_history').where({ ticket_id: id }).orderBy('created_at');

describe('PATCH /api/v1/tickets/:id', () => {
  it('lets the owner change cost and note, returns the presented ticket and records the change', async () => {
    const { ownedByAdmin } = t.world.tickets;
    const res = await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/tickets/${ownedByAdmin.id}`)
      .send({ cost: '40.5', note: '  aisle seat  ' })
      .expect(200);
    expect(res.body).toMatchObject({
      id: ownedByAdmin.id,
      cost: '40.50',
      note: 'aisle seat',
      assignee: { id: t.world.member.id },
    });
    expect(new Date(res.body.updated_at).getTime()).toBeGreaterThan(ownedByAdmin.updated_at.getTime());
    const [entry] = await historyOf(ownedByAdmin.id);
    expect(entry).toMatchObject({ action: 'updated', actor_id: t.world.admin.id, group_id: t.world.groupA.id });
    expect(entry.changes).toEqual({ cost: ['32.00', '40.50'], note: ['', 'aisle seat'] });
  });

  it('lets the assignee change the note, at /ticket/:id too, and with PUT', async () => {
    const { ownedByAdmin } = t.world.tickets;
    await as(t.app, t.world.tokens.member)
      .patch(`/api/v1/ticket/${ownedByAdmin.id}`)
      .send({ note: 'mine' })
      .expect(200);
    const res = await as(t.app, t.world.tokens.member)
      .put(`/api/v1/tickets/${ownedByAdmin.id}`)
      .send({ cost: 12 })
      .expect(200);
    expect(res.body).toMatchObject({ note: 'mine', cost: '12.00' });
  });

  it('answers 401 without credentials', async () => {
    await request(t.app).patch(`/api/v1/tickets/${t.world.tickets.ownedByAdmin.id}`).send({ note: 'x' }).expect(401);
  });

  it('answers 403 insufficient_scope to a read-only token', async () => {
    const res = await as(t.app, t.world.readOnly)
      .patch(`/api/v1/tickets/${t.world.tickets.ownedByMember.id}`)
      .send({ note: 'x' })
      .expect(403);
    expect(res.headers['www-authenticate']).toContain('insufficient_scope');
  });

  it.each([
    ["another group's ticket", () => t.world.tickets.otherTicket.id],
    ['a random id', () => RANDOM_UUID],
    ['a malformed id', () => MALFORMED_ID],
  ])('answers 404 for %s', async (_name, id) => {
    const res = await as(t.app, t.world.tokens.member).patch(`/api/v1/tickets/${id()}`).send({ note: 'x' }).expect(404);
    expect(res.body.code).toBe(404);
  });

  it('answers 403 to a member of the group who neither owns nor holds the ticket, even an admin', async () => {
    const res = await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/tickets/${t.world.tickets.ownedByMember.id}`)
      .send({ note: 'x' })
      .expect(403);
    expect(res.body).toMatchObject({
      error: 'Forbidden',
      code: 403,
      error_detail: 'Only the owner or the assignee of this ticket may change it.',
    });
    expect((await ticketRow(t.world.tickets.ownedByMember.id)).note).toBe('');
  });

  it('answers 403 when the assignee tries to move the seat (owner only)', async () => {
    const res = await as(t.app, t.world.tokens.member)
      .patch(`/api/v1/tickets/${t.world.tickets.ownedByAdmin.id}`)
      .send({ seat: '12' })
      .expect(403);
    expect(res.body.error_detail).toBe('Only the owner of this ticket may change seat.');
  });

  it('lets the assignee send the place back unchanged, as a full PUT does', async () => {
    const res = await as(t.app, t.world.tokens.member)
      .put(`/api/v1/tickets/${t.world.tickets.ownedByAdmin.id}`)
      .send({ section: '326', row: 'K', seat: '10', note: 'same seat' })
      .expect(200);
    expect(res.body).toMatchObject({ seat: '10', note: 'same seat' });
  });

  it('lets the owner move the seat, keeping at least one of section, row and seat', async () => {
    const id = t.world.tickets.ownedByAdmin.id;
    const res = await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/tickets/${id}`)
      .send({ section: '', row: '', seat: '12' })
      .expect(200);
    expect(res.body).toMatchObject({ section: '', row: '', seat: '12', display_name: '12' });
    const blank = await as(t.app, t.world.tokens.admin).patch(`/api/v1/tickets/${id}`).send({ seat: '  ' }).expect(400);
    expect(blank.body.fields).toEqual({ seat: ['at least one of section, row and seat must not be blank'] });
  });

  describe('assignee_id', () => {
    it('assigns to another member of the group: recorded as "assigned", the alias cleared', async () => {
      const { ownedByMember } = t.world.tickets; // assigned to member, with member's alias
      const res = await as(t.app, t.world.tokens.member)
        .patch(`/api/v1/tickets/${ownedByMember.id}`)
        .send({ assignee_id: t.world.admin.id })
        .expect(200);
      expect(res.body).toMatchObject({ assignee: { id: t.world.admin.id, display_name: 'Ada Admin' }, alias: null });
      const [entry] = await historyOf(ownedByMember.id);
      expect(entry.action).toBe('assigned');
      expect(entry.changes).toEqual({
        assignee_id: [t.world.member.id, t.world.admin.id],
        alias_id: [t.world.aliases.memberAlias.id, null],
      });
    });

    it('null makes the seat available: recorded as "unassigned"', async () => {
      const { ownedByAdmin } = t.world.tickets;
      const res = await as(t.app, t.world.tokens.admin)
        .patch(`/api/v1/tickets/${ownedByAdmin.id}`)
        .send({ assignee_id: null })
        .expect(200);
      expect(res.body.assignee).toBeNull();
      expect((await historyOf(ownedByAdmin.id))[0].action).toBe('unassigned');
    });

    it.each([
      ['a user of another group', () => t.world.outsider.id],
      ['a member of another of your groups', () => t.world.adminB.id],
      ['a user in no group', () => t.world.loner.id],
      ['a random id', () => RANDOM_UUID],
      ['a malformed id', () => MALFORMED_ID],
    ])('answers 400 on assignee_id for %s, and changes nothing', async (_name, assignee) => {
      const { ownedByAdmin } = t.world.tickets;
      const res = await as(t.app, t.world.tokens.admin)
        .patch(`/api/v1/tickets/${ownedByAdmin.id}`)
        .send({ note: 'changed', assignee_id: assignee() })
        .expect(400);
      expect(res.body.fields).toEqual({ assignee_id: ["must be a member of the ticket's group, or null"] });
      expect(await ticketRow(ownedByAdmin.id)).toMatchObject({ note: '', assignee_id: t.world.member.id });
      expect(await historyOf(ownedByAdmin.id)).toEqual([]);
    });
  });

  describe('alias_id', () => {
    it('puts one of your aliases on a ticket assigned to you', async () => {
      const alias = await t
        .knex('user_aliases')
        .insert({ user_id: t.world.member.id, first_name: 'Bo', last_name: 'Guest' })
        .returning('*');
      const res = await as(t.app, t.world.tokens.member)
        .patch(`/api/v1/tickets/${t.world.tickets.ownedByAdmin.id}`)
        .send({ alias_id: alias[0].id })
        .expect(200);
      expect(res.body.alias).toEqual({ id: alias[0].id, display_name: 'Bo Guest' });
    });

    it('lets the owner take a seat back and name an alias in one request', async () => {
      const alias = await t
        .knex('user_aliases')
        .insert({ user_id: t.world.admin.id, first_name: 'Ada', last_name: 'Jr' })
        .returning('*');
      const res = await as(t.app, t.world.tokens.admin)
        .patch(`/api/v1/tickets/${t.world.tickets.ownedByAdmin.id}`)
        .send({ assignee_id: t.world.admin.id, alias_id: alias[0].id })
        .expect(200);
      expect(res.body).toMatchObject({ assignee: { id: t.world.admin.id }, alias: { id: alias[0].id } });
    });

    it.each([
      [
        "a mutual member's alias",
        () => t.world.tickets.ownedByAdmin.id,
        () => t.world.aliases.adminBAlias.id,
        () => t.world.tokens.member,
      ],
      [
        "a stranger's alias",
        () => t.world.tickets.ownedByAdmin.id,
        () => t.world.aliases.outsiderAlias.id,
        () => t.world.tokens.member,
      ],
      ['a random id', () => t.world.tickets.ownedByAdmin.id, () => RANDOM_UUID, () => t.world.tokens.member],
      ['a malformed id', () => t.world.tickets.ownedByAdmin.id, () => MALFORMED_ID, () => t.world.tokens.member],
      [
        'your alias on a ticket not assigned to you',
        () => t.world.tickets.available.id,
        () => t.world.aliases.memberAlias.id,
        () => t.world.tokens.admin,
      ],
      [
        "null on a ticket assigned to someone else (the assignee's alias)",
        () => t.world.tickets.ownedByAdmin.id,
        () => null,
        () => t.world.tokens.admin,
      ],
    ])('answers 400 on alias_id for %s', async (name, ticket, alias, token) => {
      if (name.startsWith('your alias'))
        await t
          .knex('user_aliases')
          .where({ id: t.world.aliases.memberAlias.id })
          .update({ user_id: t.world.admin.id });
      if (name.startsWith('null'))
        await t.knex('tickets').where({ id: ticket() }).update({ alias_id: t.world.aliases.memberAlias.id });
      const res = await as(t.app, token()).patch(`/api/v1/tickets/${ticket()}`).send({ alias_id: alias() }).expect(400);
      expect(res.body.fields).toEqual({ alias_id: ['must be one of your aliases, on a ticket assigned to you'] });
    });

    it('answers 400 when the same request assigns the ticket to someone else', async () => {
      const res = await as(t.app, t.world.tokens.member)
        .patch(`/api/v1/tickets/${t.world.tickets.ownedByMember.id}`)
        .send({ assignee_id: t.world.admin.id, alias_id: t.world.aliases.memberAlias.id })
        .expect(400);
      expect(Object.keys(res.body.fields)).toEqual(['alias_id']);
    });
  });

  it.each([
    ['a read-only field', { owner_id: RANDOM_UUID }, 'owner_id', 'is not a field that can be set here'],
    ['the id', { id: RANDOM_UUID }, 'id', 'is not a field that can be set here'],
    ['a negative cost', { cost: '-1' }, 'cost', 'must be an amount from 0 to 99999999.99 with at most two decimals'],
    ['three decimals', { cost: '1.234' }, 'cost', 'must be an amount from 0 to 99999999.99 with at most two decimals'],
    [
      'a cost that is no number',
      { cost: 'free' },
      'cost',
      'must be an amount from 0 to 99999999.99 with at most two decimals',
    ],
    ['a boolean cost', { cost: true }, 'cost', 'must be a decimal amount such as "32.00"'],
    ['a note of 5001 characters', { note: 'x'.repeat(5001) }, 'note', 'must be at most 5000 characters'],
    ['a section of 21 characters', { section: 'x'.repeat(21) }, 'section', 'must be at most 20 characters'],
    ['a number as assignee_id', { assignee_id: 7 }, 'assignee_id', 'must be an id'],
  ])('answers 400 for %s', async (_name, body, field, message) => {
    const res = await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/tickets/${t.world.tickets.ownedByAdmin.id}`)
      .send(body)
      .expect(400);
    expect(res.body.fields).toEqual({ [field]: [message] });
  });

  it('answers 400 for a body that is not an object', async () => {
    const res = await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/tickets/${t.world.tickets.ownedByAdmin.id}`)
      .send([1])
      .expect(400);
    expect(res.body.code).toBe(400);
  });

  it('writes no history when nothing changes', async () => {
    const { ownedByAdmin } = t.world.tickets;
    await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/tickets/${ownedByAdmin.id}`)
      .send({ cost: 32, note: '' })
      .expect(200);
    await as(t.app, t.world.tokens.admin).patch(`/api/v1/tickets/${ownedByAdmin.id}`).send({}).expect(200);
    expect(await historyOf(ownedByAdmin.id)).toEqual([]);
  });
});

describe('DELETE /api/v1/tickets/:id', () => {
  it('lets the owner delete a ticket: 204, and history keeps what was deleted', async () => {
    const { ownedByAdmin } = t.world.tickets;
    await as(t.app, t.world.tokens.admin).delete(`/api/v1/tickets/${ownedByAdmin.id}`).expect(204);
    expect(await ticketRow(ownedByAdmin.id)).toBeUndefined();
    const entry = await t.knex('ticket_history').where({ group_id: t.world.groupA.id, action: 'deleted' }).first();
    expect(entry).toMatchObject({ ticket_id: null, actor_id: t.world.admin.id });
    expect(entry.changes).toMatchObject({
      seat: ['10', null],
      owner_id: [t.world.admin.id, null],
      event_id: [t.world.events.future.id, null],
    });
  });

  it('lets the assignee delete it, at /ticket/:id', async () => {
    await as(t.app, t.world.tokens.member).delete(`/api/v1/ticket/${t.world.tickets.ownedByAdmin.id}`).expect(204);
  });

  it('answers 401 without credentials, 403 to a read-only token', async () => {
    await request(t.app).delete(`/api/v1/tickets/${t.world.tickets.ownedByMember.id}`).expect(401);
    await as(t.app, t.world.readOnly).delete(`/api/v1/tickets/${t.world.tickets.ownedByMember.id}`).expect(403);
    expect(await ticketRow(t.world.tickets.ownedByMember.id)).toBeDefined();
  });

  it('answers 403 to another member of the group', async () => {
    await as(t.app, t.world.tokens.admin).delete(`/api/v1/tickets/${t.world.tickets.ownedByMember.id}`).expect(403);
    expect(await ticketRow(t.world.tickets.ownedByMember.id)).toBeDefined();
  });

  it.each([
    ["another group's ticket", () => t.world.tickets.otherTicket.id],
    ['a random id', () => RANDOM_UUID],
    ['a malformed id', () => MALFORMED_ID],
  ])('answers 404 for %s', async (_name, id) => {
    await as(t.app, t.world.tokens.member).delete(`/api/v1/tickets/${id()}`).expect(404);
  });
});
