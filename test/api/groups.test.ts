// /api/v1/groups (SPEC §5): your groups; admins change them and see the join code.
import request from 'supertest';
import { buildPersonalToken } from '../factories';
import { as, ids, MALFORMED_ID, RANDOM_UUID, useWorld } from '../helpers/world';

const t = useWorld();

describe('GET /api/v1/groups', () => {
  it('lists your groups by name, with your role and the member count', async () => {
    const res = await as(t.app, t.world.tokens.member).get('/api/v1/groups').expect(200);
    expect(res.body).toEqual([
      {
        id: t.world.groupA.id,
        name: 'Alpha',
        description: '',
        role: 'member',
        member_count: 2,
        created_at: t.world.groupA.created_at.toISOString(),
      },
      expect.objectContaining({ id: t.world.groupB.id, role: 'member', member_count: 2 }),
    ]);
  });

  it('shows the invitation code to admins only', async () => {
    const [asAdmin] = (await as(t.app, t.world.tokens.admin).get('/api/v1/groups').expect(200)).body;
    expect(asAdmin).toMatchObject({ role: 'admin', invitation_code: t.world.groupA.invitation_code });
    const asMember = (await as(t.app, t.world.tokens.member).get('/api/v1/groups').expect(200)).body;
    for (const group of asMember) expect(group).not.toHaveProperty('invitation_code');
  });

  it('leaves out deactivated groups, and shows a user in no group nothing', async () => {
    await t.knex('groups').where({ id: t.world.groupB.id }).update({ deactivated_at: new Date() });
    expect(ids((await as(t.app, t.world.tokens.member).get('/api/v1/groups').expect(200)).body)).toEqual([
      t.world.groupA.id,
    ]);
    expect((await as(t.app, t.world.tokens.loner).get('/api/v1/groups').expect(200)).body).toEqual([]);
  });

  it('answers 401 without credentials', async () => {
    await request(t.app).get('/api/v1/groups').expect(401);
  });
});

describe('/api/v1/groups/:id', () => {
  it('shows one of your groups', async () => {
    const res = await as(t.app, t.world.tokens.member).get(`/api/v1/groups/${t.world.groupB.id}`).expect(200);
    expect(res.body).toMatchObject({ id: t.world.groupB.id, name: 'Bravo', role: 'member' });
  });

  it.each([
    ['another group', () => t.world.groupC.id],
    ['a random id', () => RANDOM_UUID],
    ['a malformed id', () => MALFORMED_ID],
  ])('answers 404 for %s, to GET and PATCH', async (_name, id) => {
    await as(t.app, t.world.tokens.member).get(`/api/v1/groups/${id()}`).expect(404);
    await as(t.app, t.world.tokens.admin).patch(`/api/v1/groups/${id()}`).send({ name: 'Mine' }).expect(404);
  });

  it('answers 404 for a deactivated group, even to its admin', async () => {
    await t.knex('groups').where({ id: t.world.groupA.id }).update({ deactivated_at: new Date() });
    await as(t.app, t.world.tokens.admin).get(`/api/v1/groups/${t.world.groupA.id}`).expect(404);
    await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/groups/${t.world.groupA.id}`)
      .send({ name: 'Back' })
      .expect(404);
  });

  it.each(['put', 'patch'] as const)('%s lets an admin change name and description', async (method) => {
    const agent = as(t.app, t.world.tokens.admin);
    const res = await agent[method](`/api/v1/groups/${t.world.groupA.id}`)
      .send({ name: ' Alpha Club ', description: 'Season 2027' })
      .expect(200);
    expect(res.body).toMatchObject({ name: 'Alpha Club', description: 'Season 2027', role: 'admin', member_count: 2 });
    expect(await t.knex('groups').where({ id: t.world.groupA.id }).first()).toMatchObject({ name: 'Alpha Club' });
  });

  it('answers 403 to a member', async () => {
    const res = await as(t.app, t.world.tokens.member)
      .patch(`/api/v1/groups/${t.world.groupA.id}`)
      .send({ name: 'Ours' })
      .expect(403);
    expect(res.body).toMatchObject({ error: 'Forbidden', error_detail: 'Only an admin of this group may change it.' });
    expect((await t.knex('groups').where({ id: t.world.groupA.id }).first()).name).toBe('Alpha');
  });

  it('answers 401 without credentials and 403 to a read-only token', async () => {
    await request(t.app).patch(`/api/v1/groups/${t.world.groupA.id}`).send({ name: 'X' }).expect(401);
    const readOnlyAdmin = await buildPersonalToken(t.knex, { user_id: t.world.admin.id, scope: ['read'] });
    const res = await as(t.app, readOnlyAdmin.token)
      .patch(`/api/v1/groups/${t.world.groupA.id}`)
      .send({ name: 'X' })
      .expect(403);
    expect(res.headers['www-authenticate']).toContain('insufficient_scope');
  });

  it.each([
    ['a blank name', { name: ' ' }, 'name'],
    ['a name of 101 characters', { name: 'x'.repeat(101) }, 'name'],
    ['a description of 5001 characters', { description: 'x'.repeat(5001) }, 'description'],
    ['the invitation code (read-only)', { invitation_code: 'abc' }, 'invitation_code'],
    ['the member count (read-only)', { member_count: 3 }, 'member_count'],
  ])('answers 400 for %s', async (_name, body, field) => {
    const res = await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/groups/${t.world.groupA.id}`)
      .send(body)
      .expect(400);
    expect(Object.keys(res.body.fields)).toEqual([field]);
  });
});
