// Every PATCH, PUT and DELETE loads its record with the row lock, in the transaction of its
// change, so the policy judges the record as it is when the change is made — not as it was
// before a concurrent change the write then waited for.
import { findGroup } from '../../src/api/v1/groups/queries';
import { backendPid, started, waitUntilWaitingOnLock } from '../helpers/locks';
import { as, useWorld } from '../helpers/world';

const t = useWorld();

// Two connections at once: PGlite has one, so this runs in CI's PostgreSQL pass.
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
onPostgres('the row lock of a group change (PostgreSQL)', () => {
  it.each([
    ['PATCH', (path: string) => as(t.app, t.world.tokens.admin).patch(path).send({ name: 'Renamed' })],
    ['DELETE', (path: string) => as(t.app, t.world.tokens.admin).delete(path)],
  ])('%s by an admin demoted meanwhile waits for the demotion, then answers 403', async (_method, send) => {
    const group = t.world.groupA;
    await t.knex('memberships').where({ group_id: group.id, user_id: t.world.member.id }).update({ role: 'admin' });
    // Another admin's demotion of this one, under way (as PATCH …/members/:user_id holds it).
    const demotion = await t.knex.transaction();
    await findGroup(demotion, { userId: t.world.member.id }, group.id, { lock: true });
    await demotion('memberships').where({ group_id: group.id, user_id: t.world.admin.id }).update({ role: 'member' });
    const change = started(send(`/api/v1/groups/${group.id}`));
    try {
      await waitUntilWaitingOnLock(t.knex, { blockedBy: await backendPid(demotion), finished: () => change.done });
    } finally {
      await demotion.commit();
    }
    // Loaded before the demotion's commit, the group would still have said "admin".
    expect((await change.result).status).toBe(403);
    expect(await t.knex('groups').where({ id: group.id }).first()).toMatchObject({
      name: group.name,
      deactivated_at: null,
    });
  });
});
