// /api/v1/user_aliases (SPEC §5): yours and your mutual members' are visible; only yours change.
import request from 'supertest';
import { as, ids, MALFORMED_ID, RANDOM_UUID, useWorld } from '../helpers/world';

const t = useWorld();

const aliasRow = (id: string) => t.knex('user_aliases').where({ id }).first();

describe('GET /api/v1/user_aliases', () => {
  it("lists yours and your mutual members', by last name then first name", async () => {
    const res = await as(t.app, t.world.tokens.member).get('/api/v1/user_aliases').expect(200);
    expect(ids(res.body)).toEqual([t.world.aliases.adminBAlias.id, t.world.aliases.memberAlias.id]);
    expect(res.body[1]).toEqual({
      id: t.world.aliases.memberAlias.id,
      user_id: t.world.member.id,
      first_name: 'Kid',
      last_name: 'Member',
      display_name: 'Kid Member',
    });
  });

  it("shows nobody else's", async () => {
    expect(ids((await as(t.app, t.world.tokens.loner).get('/api/v1/user_aliases').expect(200)).body)).toEqual([]);
    expect(ids((await as(t.app, t.world.tokens.outsider).get('/api/v1/user_aliases').expect(200)).body)).toEqual([
      t.world.aliases.outsiderAlias.id,
    ]);
  });

  it('answers 401 without credentials', async () => {
    await request(t.app).get('/api/v1/user_aliases').expect(401);
  });
});

describe('POST /api/v1/user_aliases', () => {
  it('creates an alias for yourself: 201 with Location', async () => {
    const res = await as(t.app, t.world.tokens.loner)
      .post('/api/v1/user_aliases')
      .send({ first_name: ' Tim ', last_name: 'Guest' })
      .expect(201);
    expect(res.body).toMatchObject({ user_id: t.world.loner.id, first_name: 'Tim', display_name: 'Tim Guest' });
    expect(res.headers.location).toBe(`http://seatshare.test/api/v1/user_aliases/${res.body.id}`);
    expect(await aliasRow(res.body.id)).toMatchObject({ user_id: t.world.loner.id });
  });

  it('answers 400 for a user_id (an alias is always yours), and for missing names', async () => {
    const withUser = await as(t.app, t.world.tokens.member)
      .post('/api/v1/user_aliases')
      .send({ first_name: 'A', last_name: 'B', user_id: t.world.admin.id })
      .expect(400);
    expect(withUser.body.fields).toEqual({ user_id: ['is not a field that can be set here'] });
    const empty = await as(t.app, t.world.tokens.member).post('/api/v1/user_aliases').expect(400);
    expect(Object.keys(empty.body.fields).sort()).toEqual(['first_name', 'last_name']);
    expect(await t.knex('user_aliases').where({ first_name: 'A' })).toEqual([]);
  });

  it('answers 401 without credentials and 403 to a read-only token', async () => {
    await request(t.app).post('/api/v1/user_aliases').send({ first_name: 'A', last_name: 'B' }).expect(401);
    await as(t.app, t.world.readOnly)
      .post('/api/v1/user_aliases')
      .send({ first_name: 'A', last_name: 'B' })
      .expect(403);
  });
});

describe('/api/v1/user_aliases/:id', () => {
  it("shows yours and a mutual member's", async () => {
    await as(t.app, t.world.tokens.member).get(`/api/v1/user_aliases/${t.world.aliases.memberAlias.id}`).expect(200);
    const res = await as(t.app, t.world.tokens.member)
      .get(`/api/v1/user_aliases/${t.world.aliases.adminBAlias.id}`)
      .expect(200);
    expect(res.body.display_name).toBe('Pal Bravo');
  });

  it.each([
    ["a stranger's alias", () => t.world.aliases.outsiderAlias.id],
    ['a random id', () => RANDOM_UUID],
    ['a malformed id', () => MALFORMED_ID],
  ])('answers 404 for %s, to GET, PATCH and DELETE', async (_name, id) => {
    await as(t.app, t.world.tokens.member).get(`/api/v1/user_aliases/${id()}`).expect(404);
    await as(t.app, t.world.tokens.member).patch(`/api/v1/user_aliases/${id()}`).send({ first_name: 'X' }).expect(404);
    await as(t.app, t.world.tokens.member).delete(`/api/v1/user_aliases/${id()}`).expect(404);
  });

  it.each(['put', 'patch'] as const)('%s changes your alias', async (method) => {
    const agent = as(t.app, t.world.tokens.member);
    const res = await agent[method](`/api/v1/user_aliases/${t.world.aliases.memberAlias.id}`)
      .send({ last_name: 'Junior' })
      .expect(200);
    expect(res.body).toMatchObject({ first_name: 'Kid', last_name: 'Junior', display_name: 'Kid Junior' });
  });

  it("answers 403 for a mutual member's alias, to PATCH and DELETE", async () => {
    const id = t.world.aliases.adminBAlias.id;
    const res = await as(t.app, t.world.tokens.member)
      .patch(`/api/v1/user_aliases/${id}`)
      .send({ first_name: 'X' })
      .expect(403);
    expect(res.body.error_detail).toBe('Only the person who made this alias may change it.');
    await as(t.app, t.world.tokens.member).delete(`/api/v1/user_aliases/${id}`).expect(403);
    expect(await aliasRow(id)).toMatchObject({ first_name: 'Pal' });
  });

  it('answers 400 for a blank name', async () => {
    const res = await as(t.app, t.world.tokens.member)
      .patch(`/api/v1/user_aliases/${t.world.aliases.memberAlias.id}`)
      .send({ first_name: '' })
      .expect(400);
    expect(res.body.fields).toEqual({ first_name: ['must not be blank'] });
  });

  it('answers 401 without credentials and 403 to a read-only token', async () => {
    await request(t.app).delete(`/api/v1/user_aliases/${t.world.aliases.memberAlias.id}`).expect(401);
    await as(t.app, t.world.readOnly).delete(`/api/v1/user_aliases/${t.world.aliases.memberAlias.id}`).expect(403);
  });

  it('DELETE removes your alias and clears it from tickets, recording that in their history', async () => {
    const alias = t.world.aliases.memberAlias;
    await as(t.app, t.world.tokens.member).delete(`/api/v1/user_aliases/${alias.id}`).expect(204);
    expect(await aliasRow(alias.id)).toBeUndefined();
    expect((await t.knex('tickets').where({ id: t.world.tickets.ownedByMember.id }).first()).alias_id).toBeNull();
    const [entry] = await t.knex('ticket_history').where({ ticket_id: t.world.tickets.ownedByMember.id });
    expect(entry).toMatchObject({
      action: 'updated',
      actor_id: t.world.member.id,
      changes: { alias_id: [alias.id, null] },
    });
  });
});
