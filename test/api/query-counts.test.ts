// Speed rule of issue #4: a list costs a constant number of statements whatever its length
// (summaries come from joins, not a query per row), and authentication + policy + data is at
// most three round trips. Counted with knex's 'query' event on the app's own instance.
import { buildAlias, buildEvent, buildGroup, buildMembership, buildTicket, buildUser } from '../factories';
import { as, useWorld } from '../helpers/world';

const t = useWorld({ truncate: false });

async function statementsFor(token: string, path: string): Promise<{ statements: number; length: number }> {
  let statements = 0;
  const count = () => (statements += 1);
  t.knex.on('query', count);
  try {
    const res = await as(t.app, token).get(path).expect(200);
    return { statements, length: res.body.length };
  } finally {
    t.knex.removeListener('query', count);
  }
}

const LISTS = [
  '/api/v1/tickets',
  '/api/v1/tickets?owner=me&show=future',
  () => `/api/v1/tickets?group_id=${t.world.groupA.id}&event_id=${t.world.events.future.id}&available=false`,
  '/api/v1/events?show=future',
  () => `/api/v1/events?group_id=${t.world.groupA.id}`,
  '/api/v1/users',
  () => `/api/v1/users?group_id=${t.world.groupA.id}`,
  '/api/v1/user_aliases',
  '/api/v1/groups',
];

describe('statements per list request', () => {
  const measured: Record<string, [number, number]> = {};

  it('are the same for a short list and a long one, and at most three', async () => {
    const path = (list: (typeof LISTS)[number]) => (typeof list === 'function' ? list() : list);
    // The personal token's "last used" write happens at most once a minute: do it now.
    await as(t.app, t.world.tokens.member).get('/api/v1/users/me').expect(200);
    const before: Array<{ statements: number; length: number }> = [];
    for (const list of LISTS) before.push(await statementsFor(t.world.tokens.member, path(list))); // one at a time: one counter

    // Grow every list: 30 more members in group A, each with an alias, 60 tickets, 20 events, 10 groups.
    const { future } = t.world.events;
    for (let i = 0; i < 30; i += 1) {
      const user = await buildUser(t.knex);
      await buildMembership(t.knex, { group_id: t.world.groupA.id, user_id: user.id });
      await buildAlias(t.knex, { user_id: user.id });
      await buildTicket(t.knex, { event: future, owner: user, assignee_id: t.world.member.id });
      await buildTicket(t.knex, { event: future, owner: t.world.member, assignee_id: user.id });
    }
    for (let i = 0; i < 20; i += 1) await buildEvent(t.knex, { group_id: t.world.groupA.id });
    for (let i = 0; i < 10; i += 1) await buildGroup(t.knex, { admin: t.world.member });

    for (const [index, list] of LISTS.entries()) {
      const after = await statementsFor(t.world.tokens.member, path(list));
      expect(after.length).toBeGreaterThan(before[index]!.length);
      measured[path(list)] = [before[index]!.statements, after.statements];
      expect({ list: path(list), statements: after.statements }).toEqual({
        list: path(list),
        statements: before[index]!.statements,
      });
      expect(after.statements).toBeLessThanOrEqual(3);
    }
  });

  afterAll(() => {
    // Visible in the test output for the closing note.
    if (Object.keys(measured).length) console.log('statements per list request (short, long):', measured);
  });
});

describe('statements per ticket change (#18)', () => {
  async function statementsOf(send: () => PromiseLike<{ status: number }>): Promise<number> {
    let statements = 0;
    const count = () => (statements += 1);
    t.knex.on('query', count);
    try {
      expect((await send()).status).toBe(200);
      return statements;
    } finally {
      t.knex.removeListener('query', count);
    }
  }

  it('a note is authentication, BEGIN, the locked read, one write with its history, COMMIT; a new assignee adds its lookup and the re-read of names', async () => {
    const ticket = t.world.tickets.ownedByMember;
    const patch = (body: object) => () =>
      as(t.app, t.world.tokens.member).patch(`/api/v1/tickets/${ticket.id}`).send(body);
    await as(t.app, t.world.tokens.member).get('/api/v1/users/me').expect(200); // the token's "last used" write, now
    expect(await statementsOf(patch({ note: 'Row by the aisle' }))).toBe(5);
    const history = await t
      .knex('ticket_history')
      .where({ ticket_id: ticket.id })
      .orderBy('created_at', 'desc')
      .first();
    expect(history).toMatchObject({ action: 'updated', changes: { note: [expect.anything(), 'Row by the aisle'] } });
    expect(await statementsOf(patch({ assignee_id: t.world.users.admin.id }))).toBe(7);
  });
});
