// /api/v1/users (SPEC §5): you and your mutual members, a group's members, your profile.
import request from 'supertest';
import { as, ids, MALFORMED_ID, RANDOM_UUID, useWorld } from '../helpers/world';

const t = useWorld();

const PUBLIC_FIELDS = [
  'id',
  'first_name',
  'last_name',
  'display_name',
  'email',
  'location',
  'bio',
  'mobile',
  'created_at',
].sort();
const PRIVATE_FIELDS = ['timezone', 'sms_notify', 'updated_at'];

describe('GET /api/v1/users', () => {
  it('answers 401 without credentials', async () => {
    await request(t.app).get('/api/v1/users').expect(401);
  });

  it('lists you and your mutual members by last name, then first name, case-insensitively', async () => {
    await t.knex('users').where({ id: t.world.adminB.id }).update({ last_name: 'bravo' }); // lower case sorts among the B's
    const res = await as(t.app, t.world.tokens.member).get('/api/v1/users').expect(200);
    expect(ids(res.body)).toEqual([t.world.admin.id, t.world.adminB.id, t.world.member.id]);
    expect(res.headers['x-total-count']).toBe('3');
  });

  it('shows private fields only on your own entry', async () => {
    const res = await as(t.app, t.world.tokens.member).get('/api/v1/users').expect(200);
    for (const user of res.body) {
      if (user.id === t.world.member.id)
        expect(Object.keys(user).sort()).toEqual([...PUBLIC_FIELDS, ...PRIVATE_FIELDS].sort());
      else expect(Object.keys(user).sort()).toEqual(PUBLIC_FIELDS);
    }
  });

  it('shows a user in no group only themselves', async () => {
    expect(ids((await as(t.app, t.world.tokens.loner).get('/api/v1/users').expect(200)).body)).toEqual([
      t.world.loner.id,
    ]);
  });

  it('forgets members you share only a deactivated group with', async () => {
    await t.knex('groups').where({ id: t.world.groupB.id }).update({ deactivated_at: new Date() });
    expect(ids((await as(t.app, t.world.tokens.member).get('/api/v1/users').expect(200)).body)).toEqual([
      t.world.admin.id,
      t.world.member.id,
    ]);
  });

  it('group_id: the members of one of your groups, each with their role there', async () => {
    const res = await as(t.app, t.world.tokens.member).get(`/api/v1/users?group_id=${t.world.groupA.id}`).expect(200);
    expect(res.body.map((user: { id: string; role: string }) => [user.id, user.role])).toEqual([
      [t.world.admin.id, 'admin'],
      [t.world.member.id, 'member'],
    ]);
  });

  it.each([
    ['another group', () => t.world.groupC.id],
    ['a random id', () => RANDOM_UUID],
    ['a malformed id', () => MALFORMED_ID],
  ])('group_id: answers 404 for %s', async (_name, id) => {
    const res = await as(t.app, t.world.tokens.member).get(`/api/v1/users?group_id=${id()}`).expect(404);
    expect(res.body.code).toBe(404);
  });

  it('answers 400 for an unknown parameter or a bad limit', async () => {
    expect((await as(t.app, t.world.tokens.member).get('/api/v1/users?me=true').expect(400)).body.fields).toEqual({
      me: ['is not a field that can be set here'],
    });
    expect(
      Object.keys((await as(t.app, t.world.tokens.member).get('/api/v1/users?limit=x').expect(400)).body.fields),
    ).toEqual(['limit']);
  });
});

describe('GET /api/v1/users/:id', () => {
  it('shows a mutual member without private fields, and yourself with them', async () => {
    const other = await as(t.app, t.world.tokens.member).get(`/api/v1/users/${t.world.adminB.id}`).expect(200);
    expect(other.body).toMatchObject({ id: t.world.adminB.id, display_name: 'Bea Bravo' });
    expect(Object.keys(other.body).sort()).toEqual(PUBLIC_FIELDS);
    const self = await as(t.app, t.world.tokens.member).get(`/api/v1/users/${t.world.member.id}`).expect(200);
    expect(self.body).toMatchObject({ timezone: 'UTC', sms_notify: false });
  });

  it('answers 401 without credentials', async () => {
    await request(t.app).get(`/api/v1/users/${t.world.member.id}`).expect(401);
  });

  it.each([
    ['a user of another group', () => t.world.outsider.id],
    ['a user in no group', () => t.world.loner.id],
    ['a random id', () => RANDOM_UUID],
    ['a malformed id', () => MALFORMED_ID],
  ])('answers 404 for %s', async (_name, id) => {
    await as(t.app, t.world.tokens.member).get(`/api/v1/users/${id()}`).expect(404);
  });
});

describe('/api/v1/users/me', () => {
  it('shows your profile with its private fields', async () => {
    const res = await as(t.app, t.world.tokens.member).get('/api/v1/users/me').expect(200);
    expect(res.body).toEqual({
      id: t.world.member.id,
      first_name: 'Max',
      last_name: 'Member',
      display_name: 'Max Member',
      email: t.world.member.email,
      location: '',
      bio: '',
      mobile: '',
      created_at: t.world.member.created_at.toISOString(),
      timezone: 'UTC',
      sms_notify: false,
      updated_at: t.world.member.updated_at.toISOString(),
    });
  });

  it.each(['patch', 'put'] as const)('%s changes the editable fields, trimmed', async (method) => {
    const agent = as(t.app, t.world.tokens.member);
    const res = await agent[method]('/api/v1/users/me')
      .send({
        first_name: ' Maxi ',
        timezone: 'Europe/Vienna',
        bio: 'Fan',
        location: 'Vienna',
        mobile: '+43 1 234',
        sms_notify: true,
      })
      .expect(200);
    expect(res.body).toMatchObject({
      first_name: 'Maxi',
      display_name: 'Maxi Member',
      timezone: 'Europe/Vienna',
      sms_notify: true,
      mobile: '+43 1 234',
    });
    expect(await t.knex('users').where({ id: t.world.member.id }).first()).toMatchObject({
      first_name: 'Maxi',
      bio: 'Fan',
    });
  });

  it('answers 401 without credentials and 403 to a read-only token', async () => {
    await request(t.app).patch('/api/v1/users/me').send({ bio: 'x' }).expect(401);
    await as(t.app, t.world.readOnly).patch('/api/v1/users/me').send({ bio: 'x' }).expect(403);
  });

  it.each([
    ['a blank first name', { first_name: '  ' }, 'first_name'],
    ['a last name of 101 characters', { last_name: 'x'.repeat(101) }, 'last_name'],
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, 'timezone'],
    ['letters in the mobile number', { mobile: 'call me' }, 'mobile'],
    ['a bio of 5001 characters', { bio: 'x'.repeat(5001) }, 'bio'],
    ['a string for sms_notify', { sms_notify: 'yes' }, 'sms_notify'],
    ['the email (not editable here)', { email: 'new@example.com' }, 'email'],
    ['the id', { id: RANDOM_UUID }, 'id'],
  ])('answers 400 for %s, and changes nothing', async (_name, body, field) => {
    const res = await as(t.app, t.world.tokens.member).patch('/api/v1/users/me').send(body).expect(400);
    expect(Object.keys(res.body.fields)).toEqual([field]);
    expect(await t.knex('users').where({ id: t.world.member.id }).first()).toMatchObject({
      first_name: 'Max',
      last_name: 'Member',
      bio: '',
    });
  });

  it("has no writes on another user's record (405)", async () => {
    const res = await as(t.app, t.world.tokens.member)
      .patch(`/api/v1/users/${t.world.admin.id}`)
      .send({ bio: 'x' })
      .expect(405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
  });
});
