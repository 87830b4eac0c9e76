// Group administration (SPEC §5, beyond the seed list): creating, deactivating, invitations,
// join codes, joining, leaving, removal and roles.
import request from 'supertest';
import { cancelInvitation } from '../../src/api/v1/groups/invitations';
import { findGroup } from '../../src/api/v1/groups/queries';
import { buildInvitation, inDays } from '../factories';
import { as, ids, MALFORMED_ID, RANDOM_UUID, useWorld } from '../helpers/world';
import { backendPid, started, waitUntilWaitingOnLock } from '../helpers/locks';

const t = useWorld();

const membership = (groupId: string, userId: string) =>
  t.knex('memberships').where({ group_id: groupId, user_id: userId }).first();
const join = (token: string, code: string) => as(t.app, token).post('/api/v1/groups/join').send({ code });

describe('POST /api/v1/groups', () => {
  it('creates a group with you as its admin: 201 with Location and the join code', async () => {
    const res = await as(t.app, t.world.tokens.loner)
      .post('/api/v1/groups')
      .send({ name: ' Loners ', description: 'Just me' })
      .expect(201);
    expect(res.body).toMatchObject({
      name: 'Loners',
      description: 'Just me',
      role: 'admin',
      member_count: 1,
      invitation_code: expect.stringMatching(/^[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}$/),
    });
    expect(res.headers.location).toBe(`http://seatshare.test/api/v1/groups/${res.body.id}`);
    expect(await membership(res.body.id, t.world.loner.id)).toMatchObject({ role: 'admin' });
  });

  it('answers 400 for a blank name, 401 without credentials, 403 to a read-only token', async () => {
    expect(
      Object.keys(
        (await as(t.app, t.world.tokens.loner).post('/api/v1/groups').send({ name: '' }).expect(400)).body.fields,
      ),
    ).toEqual(['name']);
    await request(t.app).post('/api/v1/groups').send({ name: 'X' }).expect(401);
    await as(t.app, t.world.readOnly).post('/api/v1/groups').send({ name: 'X' }).expect(403);
    expect(await t.knex('groups').where({ name: 'X' })).toEqual([]);
  });
});

describe('DELETE /api/v1/groups/:id', () => {
  it('lets an admin deactivate the group: it and everything in it disappear', async () => {
    await as(t.app, t.world.tokens.admin).delete(`/api/v1/groups/${t.world.groupA.id}`).expect(204);
    await as(t.app, t.world.tokens.member).get(`/api/v1/groups/${t.world.groupA.id}`).expect(404);
    await as(t.app, t.world.tokens.member).get(`/api/v1/tickets/${t.world.tickets.ownedByMember.id}`).expect(404);
    await as(t.app, t.world.tokens.member).get(`/api/v1/events/${t.world.events.future.id}`).expect(404);
  });

  it('answers 403 to a member and 404 for another group', async () => {
    await as(t.app, t.world.tokens.member).delete(`/api/v1/groups/${t.world.groupA.id}`).expect(403);
    await as(t.app, t.world.tokens.admin).delete(`/api/v1/groups/${t.world.groupC.id}`).expect(404);
    expect((await t.knex('groups').where({ id: t.world.groupA.id }).first()).deactivated_at).toBeNull();
  });
});

describe('invitations', () => {
  it('an admin invites: 201 with a single-use code and join URL; lists and cancels', async () => {
    const res = await as(t.app, t.world.tokens.admin)
      .post(`/api/v1/groups/${t.world.groupA.id}/invitations`)
      .send({ email: 'new@example.com' })
      .expect(201);
    expect(res.body).toMatchObject({
      email: 'new@example.com',
      status: 'pending',
      code: expect.stringMatching(/^ssi_/),
    });
    expect(res.body.join_url).toBe(`http://seatshare.test/join?code=${res.body.code}`);
    const stored = await t.knex('invitations').where({ id: res.body.id }).first();
    expect(stored.code_hash).not.toContain(res.body.code); // only the digest is kept

    const location = res.headers.location!.replace('http://seatshare.test', '');
    expect(location).toBe(`/api/v1/groups/${t.world.groupA.id}/invitations/${res.body.id}`);
    const one = await as(t.app, t.world.tokens.admin).get(location).expect(200);
    expect(one.body).toEqual({
      id: res.body.id,
      email: 'new@example.com',
      status: 'pending',
      created_at: res.body.created_at,
      expires_at: res.body.expires_at,
    });

    const list = await as(t.app, t.world.tokens.admin)
      .get(`/api/v1/groups/${t.world.groupA.id}/invitations`)
      .expect(200);
    expect(list.body).toEqual([
      {
        id: res.body.id,
        email: 'new@example.com',
        status: 'pending',
        created_at: res.body.created_at,
        expires_at: res.body.expires_at,
      },
    ]);

    await as(t.app, t.world.tokens.admin)
      .delete(`/api/v1/groups/${t.world.groupA.id}/invitations/${res.body.id}`)
      .expect(204);
    await join(t.world.tokens.loner, res.body.code).expect(400);
    expect(
      (await as(t.app, t.world.tokens.admin).get(`/api/v1/groups/${t.world.groupA.id}/invitations`)).body[0].status,
    ).toBe('cancelled');
  });

  it('answers 403 to a member (listing, reading, inviting, cancelling)', async () => {
    const invitation = await buildInvitation(t.knex, { group_id: t.world.groupA.id });
    await as(t.app, t.world.tokens.member).get(`/api/v1/groups/${t.world.groupA.id}/invitations`).expect(403);
    await as(t.app, t.world.tokens.member)
      .get(`/api/v1/groups/${t.world.groupA.id}/invitations/${invitation.id}`)
      .expect(403);
    await as(t.app, t.world.tokens.member)
      .post(`/api/v1/groups/${t.world.groupA.id}/invitations`)
      .send({ email: 'a@example.com' })
      .expect(403);
    await as(t.app, t.world.tokens.member)
      .delete(`/api/v1/groups/${t.world.groupA.id}/invitations/${invitation.id}`)
      .expect(403);
  });

  it.each([
    ['another group', () => `/api/v1/groups/${t.world.groupC.id}/invitations`],
    ['a malformed group id', () => `/api/v1/groups/${MALFORMED_ID}/invitations`],
    ['a random invitation', () => `/api/v1/groups/${t.world.groupA.id}/invitations/${RANDOM_UUID}`],
  ])('answers 404 for %s', async (_name, path) => {
    const method = path().split('/').length > 6 ? 'delete' : 'get';
    await as(t.app, t.world.tokens.admin)[method](path()).expect(404);
  });

  it('answers 409 to cancelling an accepted invitation, which stays accepted; cancelling twice is 204', async () => {
    const accepted = await buildInvitation(t.knex, { group_id: t.world.groupA.id });
    await join(t.world.tokens.loner, accepted.code).expect(200);
    const res = await as(t.app, t.world.tokens.admin)
      .delete(`/api/v1/groups/${t.world.groupA.id}/invitations/${accepted.id}`)
      .expect(409);
    expect(res.body.code).toBe(409);
    expect(await t.knex('invitations').where({ id: accepted.id }).first()).toMatchObject({
      cancelled_at: null,
      accepted_by_id: t.world.loner.id,
    });

    const pending = await buildInvitation(t.knex, { group_id: t.world.groupA.id });
    await as(t.app, t.world.tokens.admin)
      .delete(`/api/v1/groups/${t.world.groupA.id}/invitations/${pending.id}`)
      .expect(204);
    const first = (await t.knex('invitations').where({ id: pending.id }).first()).cancelled_at;
    await as(t.app, t.world.tokens.admin)
      .delete(`/api/v1/groups/${t.world.groupA.id}/invitations/${pending.id}`)
      .expect(204);
    expect((await t.knex('invitations').where({ id: pending.id }).first()).cancelled_at).toEqual(first);
  });

  it('refuses to cancel an invitation accepted after the admin read it (the statement decides, not the read)', async () => {
    const invitation = await buildInvitation(t.knex, { group_id: t.world.groupA.id });
    const readBeforeJoin = { id: invitation.id } as Parameters<typeof cancelInvitation>[1];
    await join(t.world.tokens.loner, invitation.code).expect(200);
    expect(await cancelInvitation(t.knex, readBeforeJoin)).toBe(false);
    expect((await t.knex('invitations').where({ id: invitation.id }).first()).cancelled_at).toBeNull();
  });

  it("answers 404 for another group's invitation under your group's path", async () => {
    const elsewhere = await buildInvitation(t.knex, { group_id: t.world.groupC.id });
    await as(t.app, t.world.tokens.admin)
      .get(`/api/v1/groups/${t.world.groupA.id}/invitations/${elsewhere.id}`)
      .expect(404);
    await as(t.app, t.world.tokens.admin)
      .delete(`/api/v1/groups/${t.world.groupA.id}/invitations/${elsewhere.id}`)
      .expect(404);
    expect((await t.knex('invitations').where({ id: elsewhere.id }).first()).cancelled_at).toBeNull();
  });

  it('answers 400 for a bad email', async () => {
    const res = await as(t.app, t.world.tokens.admin)
      .post(`/api/v1/groups/${t.world.groupA.id}/invitations`)
      .send({ email: 'nope' })
      .expect(400);
    expect(res.body.fields).toEqual({ email: ['must be an email address'] });
  });
});

describe('POST /api/v1/groups/join', () => {
  it('joins with an invitation code, once', async () => {
    const invitation = await buildInvitation(t.knex, { group_id: t.world.groupC.id });
    const res = await join(t.world.tokens.loner, invitation.code).expect(200);
    expect(res.body).toMatchObject({ id: t.world.groupC.id, role: 'member' });
    expect(res.body).not.toHaveProperty('invitation_code');
    const again = await join(t.world.tokens.member, invitation.code).expect(400);
    expect(Object.keys(again.body.fields)).toEqual(['code']);
    expect((await t.knex('invitations').where({ id: invitation.id }).first()).accepted_by_id).toBe(t.world.loner.id);
  });

  it("joins with the group's reusable code, whatever its case", async () => {
    await join(t.world.tokens.loner, t.world.groupA.invitation_code.toLowerCase()).expect(200);
    await join(t.world.tokens.outsider, t.world.groupA.invitation_code).expect(200);
    expect(ids((await as(t.app, t.world.tokens.loner).get('/api/v1/groups')).body)).toEqual([t.world.groupA.id]);
  });

  it('answers 409 to a member, and leaves the invitation unused', async () => {
    const invitation = await buildInvitation(t.knex, { group_id: t.world.groupA.id });
    await join(t.world.tokens.member, invitation.code).expect(409);
    await join(t.world.tokens.loner, invitation.code).expect(200);
  });

  it.each([
    ['an unknown code', () => Promise.resolve('ZZZZZ-ZZZZZ-ZZZZZ')],
    [
      'an expired invitation',
      async () => (await buildInvitation(t.knex, { group_id: t.world.groupA.id, expires_at: inDays(-1) })).code,
    ],
    [
      'a cancelled invitation',
      async () => (await buildInvitation(t.knex, { group_id: t.world.groupA.id, cancelled_at: new Date() })).code,
    ],
    [
      "a deactivated group's code",
      async () => {
        await t.knex('groups').where({ id: t.world.groupC.id }).update({ deactivated_at: new Date() });
        return t.world.groupC.invitation_code;
      },
    ],
    [
      'a replaced join code',
      async () => {
        await as(t.app, t.world.tokens.admin).post(`/api/v1/groups/${t.world.groupA.id}/invitation_code`).expect(200);
        return t.world.groupA.invitation_code;
      },
    ],
  ])('answers 400 for %s', async (_name, code) => {
    const res = await join(t.world.tokens.loner, await code()).expect(400);
    expect(res.body.fields).toEqual({
      code: ['is not a valid invitation or join code (it may be used, cancelled or expired)'],
    });
    expect(await t.knex('memberships').where({ user_id: t.world.loner.id })).toEqual([]);
  });

  it.each([
    ['a NUL character', 'ssi_abc\u0000def', 'must not contain NUL characters'],
    ['a blank code', '  ', 'must not be blank'],
    ['a number', 12345, 'must be an invitation or join code'],
  ])('answers 400 with the field for %s', async (_name, code, message) => {
    const res = await as(t.app, t.world.tokens.loner).post('/api/v1/groups/join').send({ code }).expect(400);
    expect(res.body.fields).toEqual({ code: [message] });
  });

  it('lets exactly one of two people in with one invitation used at the same moment', async () => {
    const invitation = await buildInvitation(t.knex, { group_id: t.world.groupA.id });
    const results = await Promise.all([
      join(t.world.tokens.loner, invitation.code),
      join(t.world.tokens.outsider, invitation.code),
    ]);
    expect(results.map((res) => res.status).sort()).toEqual([200, 400]);
    expect(
      await t
        .knex('memberships')
        .where({ group_id: t.world.groupA.id })
        .whereIn('user_id', [t.world.loner.id, t.world.outsider.id]),
    ).toHaveLength(1);
  });
});

describe('POST /api/v1/groups/:id/invitation_code', () => {
  it('gives the group a new join code (admins), 403 to members', async () => {
    const res = await as(t.app, t.world.tokens.admin)
      .post(`/api/v1/groups/${t.world.groupA.id}/invitation_code`)
      .expect(200);
    expect(res.body.invitation_code).not.toBe(t.world.groupA.invitation_code);
    await as(t.app, t.world.tokens.member).post(`/api/v1/groups/${t.world.groupA.id}/invitation_code`).expect(403);
  });
});

describe('DELETE /api/v1/groups/:id/members/:user_id', () => {
  it('an admin removes a member: their tickets there go, the seats they held become available, all in history', async () => {
    const { ownedByMember, ownedByAdmin, pastTicket, ticketB } = t.world.tickets;
    await as(t.app, t.world.tokens.admin)
      .delete(`/api/v1/groups/${t.world.groupA.id}/members/${t.world.member.id}`)
      .expect(204);
    expect(await membership(t.world.groupA.id, t.world.member.id)).toBeUndefined();
    expect(await t.knex('tickets').whereIn('id', [ownedByMember.id, pastTicket.id])).toEqual([]);
    expect(await t.knex('tickets').where({ id: ownedByAdmin.id }).first()).toMatchObject({
      assignee_id: null,
      alias_id: null,
    });
    expect(await t.knex('tickets').where({ id: ticketB.id }).first()).toBeDefined(); // other groups untouched
    const history = await t.knex('ticket_history').where({ group_id: t.world.groupA.id }).orderBy('action');
    expect(history.map((entry) => entry.action)).toEqual(['deleted', 'deleted', 'unassigned']);
    expect(history[2]).toMatchObject({
      ticket_id: ownedByAdmin.id,
      actor_id: t.world.admin.id,
      changes: { assignee_id: [t.world.member.id, null] },
    });
  });

  it('a member leaves', async () => {
    await as(t.app, t.world.tokens.member)
      .delete(`/api/v1/groups/${t.world.groupB.id}/members/${t.world.member.id}`)
      .expect(204);
    await as(t.app, t.world.tokens.member).get(`/api/v1/groups/${t.world.groupB.id}`).expect(404);
  });

  it('answers 403 to a member removing someone else', async () => {
    await as(t.app, t.world.tokens.member)
      .delete(`/api/v1/groups/${t.world.groupA.id}/members/${t.world.admin.id}`)
      .expect(403);
  });

  it('answers 409 to the last admin leaving, and lets them once another admin exists', async () => {
    const res = await as(t.app, t.world.tokens.admin)
      .delete(`/api/v1/groups/${t.world.groupA.id}/members/${t.world.admin.id}`)
      .expect(409);
    expect(res.body.error_detail).toBe('A group keeps at least one admin: promote another member first.');
    await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/groups/${t.world.groupA.id}/members/${t.world.member.id}`)
      .send({ role: 'admin' })
      .expect(200);
    await as(t.app, t.world.tokens.admin)
      .delete(`/api/v1/groups/${t.world.groupA.id}/members/${t.world.admin.id}`)
      .expect(204);
  });

  it.each([
    ['a user who is not a member', () => `/api/v1/groups/${t.world.groupA.id}/members/${t.world.adminB.id}`],
    ['a malformed user id', () => `/api/v1/groups/${t.world.groupA.id}/members/${MALFORMED_ID}`],
    ['another group', () => `/api/v1/groups/${t.world.groupC.id}/members/${t.world.outsider.id}`],
  ])('answers 404 for %s', async (_name, path) => {
    await as(t.app, t.world.tokens.admin).delete(path()).expect(404);
  });
});

// Two connections at once: PGlite has one, so this runs in CI's PostgreSQL pass.
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
onPostgres('the lock of a membership change (PostgreSQL)', () => {
  it("does not hold up ticket writes in the group, whose foreign-key checks only share the rows' keys", async () => {
    await t.knex.transaction(async (membershipChange) => {
      expect(
        await findGroup(membershipChange, { userId: t.world.admin.id }, t.world.groupA.id, { lock: true }),
      ).toBeDefined();
      await t.knex.transaction(async (ticketWrite) => {
        await ticketWrite.raw("set local lock_timeout = '2s'");
        // KEY SHARE on the admin's membership (assignee key) and on the group (history's key).
        await ticketWrite('tickets')
          .where({ id: t.world.tickets.available.id })
          .update({ assignee_id: t.world.admin.id });
        await ticketWrite('ticket_history').insert({
          ticket_id: t.world.tickets.available.id,
          group_id: t.world.groupA.id,
          action: 'assigned',
          changes: '{}',
        });
      });
    });
    expect((await t.knex('tickets').where({ id: t.world.tickets.available.id }).first()).assignee_id).toBe(
      t.world.admin.id,
    );
  });

  it('reads your role after the membership change it waited for, not before', async () => {
    await t
      .knex('memberships')
      .where({ group_id: t.world.groupA.id, user_id: t.world.member.id })
      .update({ role: 'admin' });
    const demotion = await t.knex.transaction();
    await findGroup(demotion, { userId: t.world.member.id }, t.world.groupA.id, { lock: true });
    await demotion('memberships')
      .where({ group_id: t.world.groupA.id, user_id: t.world.admin.id })
      .update({ role: 'member' });
    const waiting = started(
      t.knex.transaction((trx) => findGroup(trx, { userId: t.world.admin.id }, t.world.groupA.id, { lock: true })),
    );
    // The admin's read is queued on the demotion's locks; read without them, it would see 'admin'.
    try {
      await waitUntilWaitingOnLock(t.knex, { blockedBy: await backendPid(demotion), finished: () => waiting.done });
    } finally {
      await demotion.commit();
    }
    expect((await waiting.result)?.role).toBe('member');
  });
});

describe('PATCH /api/v1/groups/:id/members/:user_id', () => {
  it('an admin promotes a member, who then sees the join code', async () => {
    const res = await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/groups/${t.world.groupA.id}/members/${t.world.member.id}`)
      .send({ role: 'admin' })
      .expect(200);
    expect(res.body).toEqual({ user_id: t.world.member.id, role: 'admin' });
    expect(
      (await as(t.app, t.world.tokens.member).get(`/api/v1/groups/${t.world.groupA.id}`)).body.invitation_code,
    ).toBe(t.world.groupA.invitation_code);
  });

  it('answers 409 to demoting the last admin, 403 to a member, 400 for an unknown role', async () => {
    await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/groups/${t.world.groupA.id}/members/${t.world.admin.id}`)
      .send({ role: 'member' })
      .expect(409);
    await as(t.app, t.world.tokens.member)
      .patch(`/api/v1/groups/${t.world.groupA.id}/members/${t.world.member.id}`)
      .send({ role: 'admin' })
      .expect(403);
    const bad = await as(t.app, t.world.tokens.admin)
      .patch(`/api/v1/groups/${t.world.groupA.id}/members/${t.world.member.id}`)
      .send({ role: 'owner' })
      .expect(400);
    expect(bad.body.fields).toEqual({ role: ['must be admin or member'] });
    expect(await membership(t.world.groupA.id, t.world.member.id)).toMatchObject({ role: 'member' });
  });
});
