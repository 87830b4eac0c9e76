// POST /api/v1/groups/:id/invitations mails the invitation (SPEC §7): to the address, with the
// inviter, the group (escaped), the join_url the API returns and the expiry, committed with the
// invitation or not at all. Sending is limited per group per hour and per inviter per day
// (counted from the rows), and an address with a pending invitation to the group gets no second.
import request from 'supertest';
import {
  INVITATIONS_PER_GROUP_PER_HOUR,
  INVITATIONS_PER_INVITER_PER_DAY,
  formatUtc,
  lockInviter,
  sendInvitation,
} from '../../src/api/v1/groups/invitations';
import { findGroup } from '../../src/api/v1/groups/queries';
import { authorize } from '../../src/policies/authorize';
import { buildGroup, buildInvitation, inDays } from '../factories';
import { backendPid, started, waitUntilWaitingOnLock } from '../helpers/locks';
import { useMailbox } from '../helpers/smtp';
import { as, useWorld } from '../helpers/world';

const t = useWorld();
const mailbox = useMailbox(t);

const invitationsOf = (groupId: string) => `/api/v1/groups/${groupId}/invitations`;
const invite = (token: string, groupId: string, email: string) =>
  as(t.app, token).post(invitationsOf(groupId)).send({ email });
const hoursAgo = (hours: number) => new Date(Date.now() - hours * 60 * 60 * 1000);
const invitationCount = async () => Number((await t.knex('invitations').count({ n: '*' }).first())?.n);

/** `count` invitations already sent by the world's admin, to `groupId`, at `created_at`. */
async function alreadySent(count: number, groupId: string, created_at: Date) {
  for (let i = 0; i < count; i += 1)
    await buildInvitation(t.knex, { group_id: groupId, invited_by_id: t.world.admin.id, created_at });
}

describe('the invitation mail', () => {
  it('goes to the address, says who invites to which group until when, and links to the join_url', async () => {
    const res = await invite(t.world.tokens.admin, t.world.groupA.id, 'New.Person@example.com').expect(201);
    const joinUrl = res.body.join_url as string;
    expect(joinUrl).toBe(`http://seatshare.test/join?code=${res.body.code}`);

    const mails = await mailbox.deliver();
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.to).toEqual(['New.Person@example.com']);
    expect(mail.subject).toBe('You are invited to a group on SeatShare');
    expect(mail.text).toContain('Ada Admin invited you to join the group "Alpha" on SeatShare');
    expect(mail.text).toContain(`\n${joinUrl}\n`);
    expect(mail.text).toMatch(/expires on \d{1,2} \w+ \d{4} at \d\d:\d\d UTC/);
    expect(mail.text).toContain('If you did not expect this, ignore this mail.');
    expect(mail.html).toContain('<strong>Ada Admin</strong> invited you');
    expect(mail.html).toContain('&ldquo;<strong>Alpha</strong>&rdquo;');
    expect(mail.html).toContain(`<a href="${joinUrl}">${joinUrl}</a>`);
    expect(mail.html).toContain('If you did not expect this, ignore this mail.');
    // The expiry in the mail is the invitation's.
    const expires = formatUtc(new Date(res.body.expires_at as string));
    expect(mail.text).toContain(`expires on ${expires}.`);
    expect(mail.html).toContain(`expires on ${expires}.`);
  });

  it('escapes a hostile group name in HTML and keeps it on one quoted line in text', async () => {
    const hostile = '<img src=x onerror=alert(1)> & "Co"\n\nClick http://evil.example\u202Enow';
    await t.knex('groups').where({ id: t.world.groupA.id }).update({ name: hostile });
    await invite(t.world.tokens.admin, t.world.groupA.id, 'guest@example.com').expect(201);

    const [mail] = await mailbox.deliver();
    expect(mail!.html).not.toContain('<img');
    expect(mail!.html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &#34;Co&#34; Click http://evil.example now');
    expect(mail!.text).toContain(
      'invited you to join the group "<img src=x onerror=alert(1)> & "Co" Click http://evil.example now" on SeatShare',
    );
    expect(mail!.text).not.toContain('\u202E');
  });

  it('is not sent when the invitation is refused: 400 for a bad address, nothing written', async () => {
    const res = await invite(t.world.tokens.admin, t.world.groupA.id, 'not an address').expect(400);
    expect(res.body.fields).toEqual({ email: ['must be an email address'] });
    expect(await invitationCount()).toBe(0);
    expect(await mailbox.deliver()).toEqual([]);
  });

  it('is rolled back with the invitation: a transaction that fails after queuing it sends nothing', async () => {
    const actor = { userId: t.world.admin.id };
    await expect(
      t.knex.transaction(async (trx) => {
        const group = authorize(await findGroup(trx, actor, t.world.groupA.id, { lock: true }));
        const inviter = authorize(await lockInviter(trx, actor));
        await sendInvitation(trx, 'http://seatshare.test', actor, { group, inviter, email: 'x@example.com' });
        expect(Number((await trx('mail_outbox').count({ n: '*' }).first())?.n)).toBe(1); // queued, uncommitted
        throw new Error('something later failed');
      }),
    ).rejects.toThrow('something later failed');
    expect(await invitationCount()).toBe(0);
    expect(Number((await t.knex('mail_outbox').count({ n: '*' }).first())?.n)).toBe(0);
    expect(await mailbox.deliver()).toEqual([]);
  });

  it('is not sent to a member (403), a stranger to the group (404) or without credentials (401)', async () => {
    const forbidden = await invite(t.world.tokens.member, t.world.groupA.id, 'a@example.com').expect(403);
    expect(forbidden.body).toMatchObject({ error: 'Forbidden', code: 403 });
    const notFound = await invite(t.world.tokens.outsider, t.world.groupA.id, 'b@example.com').expect(404);
    expect(notFound.body).toMatchObject({ error: 'Not Found', code: 404 });
    await request(t.app).post(invitationsOf(t.world.groupA.id)).send({ email: 'c@example.com' }).expect(401);
    expect(await invitationCount()).toBe(0);
    expect(await mailbox.deliver()).toEqual([]);
  });
});

describe('one pending invitation per address and group', () => {
  it('refuses a second while the first is pending (409, whatever the case), then allows one once cancelled', async () => {
    const first = await invite(t.world.tokens.admin, t.world.groupA.id, 'twice@example.com').expect(201);
    const again = await invite(t.world.tokens.admin, t.world.groupA.id, 'TWICE@Example.com').expect(409);
    expect(again.body).toMatchObject({ error: 'Conflict', code: 409 });
    expect(again.body.error_detail).toContain(first.body.id);
    expect(await mailbox.deliver()).toHaveLength(1);

    // Another group may invite the same address.
    await invite(t.world.tokens.adminB, t.world.groupB.id, 'twice@example.com').expect(201);

    await as(t.app, t.world.tokens.admin)
      .delete(`${invitationsOf(t.world.groupA.id)}/${first.body.id}`)
      .expect(204);
    await invite(t.world.tokens.admin, t.world.groupA.id, 'twice@example.com').expect(201);
    expect((await mailbox.deliver()).map((mail) => mail.to)).toEqual([
      ['twice@example.com'],
      ['twice@example.com'],
      ['twice@example.com'],
    ]);
  });

  it('does not count an expired or accepted invitation as pending', async () => {
    await buildInvitation(t.knex, { group_id: t.world.groupA.id, email: 'old@example.com', expires_at: inDays(-1) });
    await buildInvitation(t.knex, {
      group_id: t.world.groupA.id,
      email: 'old@example.com',
      accepted_at: new Date(),
      accepted_by_id: t.world.loner.id,
    });
    await invite(t.world.tokens.admin, t.world.groupA.id, 'old@example.com').expect(201);
  });
});

describe('the limits', () => {
  it(`lets a group send ${INVITATIONS_PER_GROUP_PER_HOUR} an hour, then answers 429 with Retry-After and mails nothing`, async () => {
    await alreadySent(5, t.world.groupA.id, hoursAgo(2)); // outside the hour: not counted
    await alreadySent(INVITATIONS_PER_GROUP_PER_HOUR - 1, t.world.groupA.id, hoursAgo(0.5));
    await invite(t.world.tokens.admin, t.world.groupA.id, 'last@example.com').expect(201);

    const refused = await invite(t.world.tokens.admin, t.world.groupA.id, 'one-more@example.com').expect(429);
    expect(refused.body).toEqual({
      error: 'Too Many Requests',
      error_detail: `This group has sent ${INVITATIONS_PER_GROUP_PER_HOUR} invitations in the last hour, the most an hour.`,
      code: 429,
    });
    // The oldest counted one was sent half an hour ago: it leaves the window in about 30 minutes.
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(29 * 60);
    expect(retryAfter).toBeLessThanOrEqual(30 * 60);

    // Another admin of the same group is refused too; the group's limit is not theirs.
    await t.knex('memberships').insert({ group_id: t.world.groupA.id, user_id: t.world.adminB.id, role: 'admin' });
    await invite(t.world.tokens.adminB, t.world.groupA.id, 'other@example.com').expect(429);

    expect((await mailbox.deliver()).map((mail) => mail.to)).toEqual([['last@example.com']]);
    expect(await t.knex('invitations').whereIn('email', ['one-more@example.com', 'other@example.com'])).toEqual([]);
  });

  it(`lets a person send ${INVITATIONS_PER_INVITER_PER_DAY} a day over all their groups, deleted ones included`, async () => {
    // Made by the admin in a group since deactivated: they still count.
    const gone = await buildGroup(t.knex, { admin: t.world.admin, deactivated_at: new Date() });
    await alreadySent(10, gone.id, hoursAgo(23));
    await alreadySent(INVITATIONS_PER_INVITER_PER_DAY - 11, t.world.groupA.id, hoursAgo(2));
    await alreadySent(3, t.world.groupA.id, hoursAgo(25)); // more than a day ago: not counted

    const other = await as(t.app, t.world.tokens.admin).post('/api/v1/groups').send({ name: 'Fresh' }).expect(201);
    await invite(t.world.tokens.admin, other.body.id as string, 'fiftieth@example.com').expect(201);
    const refused = await invite(t.world.tokens.admin, other.body.id as string, 'one-more@example.com').expect(429);
    expect(refused.body).toMatchObject({
      code: 429,
      error_detail: `You have sent ${INVITATIONS_PER_INVITER_PER_DAY} invitations in the last 24 hours, the most a day.`,
    });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(59 * 60);
    expect(retryAfter).toBeLessThanOrEqual(60 * 60);

    // Another admin of that group is not limited by this person's sending.
    await t.knex('memberships').insert({ group_id: other.body.id, user_id: t.world.adminB.id, role: 'admin' });
    await invite(t.world.tokens.adminB, other.body.id as string, 'from-b@example.com').expect(201);

    expect((await mailbox.deliver()).map((mail) => mail.to).sort()).toEqual([
      ['fiftieth@example.com'],
      ['from-b@example.com'],
    ]);
  });

  it('counts cancelled invitations: cancelling does not give the budget back', async () => {
    await alreadySent(INVITATIONS_PER_GROUP_PER_HOUR, t.world.groupA.id, hoursAgo(0.1));
    await t.knex('invitations').update({ cancelled_at: new Date() });
    await invite(t.world.tokens.admin, t.world.groupA.id, 'again@example.com').expect(429);
    expect(await mailbox.deliver()).toEqual([]);
  });
});

// Two connections at once: PGlite has one, so this runs in the PostgreSQL pass.
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
onPostgres('the limits under concurrency (PostgreSQL)', () => {
  it("counts one inviter's invitations to two groups one after the other: the last place goes once", async () => {
    await alreadySent(INVITATIONS_PER_INVITER_PER_DAY - 1, t.world.groupA.id, hoursAgo(2));
    const other = await buildGroup(t.knex, { admin: t.world.admin });
    const actor = { userId: t.world.admin.id };

    const first = await t.knex.transaction();
    const group = authorize(await findGroup(first, actor, t.world.groupA.id, { lock: true }));
    const inviter = authorize(await lockInviter(first, actor));
    await sendInvitation(first, 'http://seatshare.test', actor, { group, inviter, email: 'first@example.com' });
    // To another group, so the group's lock does not order them: the inviter's row must.
    const second = started(invite(t.world.tokens.admin, other.id, 'second@example.com'));
    try {
      await waitUntilWaitingOnLock(t.knex, { blockedBy: await backendPid(first), finished: () => second.done });
    } finally {
      await first.commit();
    }
    expect((await second.result).status).toBe(429);
    expect((await mailbox.deliver()).map((mail) => mail.to)).toEqual([['first@example.com']]);
  });

  it('lets two admins inviting one address at once send one invitation: the other hears 409', async () => {
    await t.knex('memberships').insert({ group_id: t.world.groupA.id, user_id: t.world.adminB.id, role: 'admin' });
    const actor = { userId: t.world.adminB.id };
    const first = await t.knex.transaction();
    const group = authorize(await findGroup(first, actor, t.world.groupA.id, { lock: true }));
    const inviter = authorize(await lockInviter(first, actor));
    await sendInvitation(first, 'http://seatshare.test', actor, { group, inviter, email: 'both@example.com' });
    const second = started(invite(t.world.tokens.admin, t.world.groupA.id, 'both@example.com'));
    try {
      await waitUntilWaitingOnLock(t.knex, { blockedBy: await backendPid(first), finished: () => second.done });
    } finally {
      await first.commit();
    }
    expect((await second.result).status).toBe(409);
    expect(await mailbox.deliver()).toHaveLength(1);
  });
});
