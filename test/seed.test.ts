// The bulk seed generator (src/seed/bulk.ts): counts, referential integrity, group sizes.
import { useTestDatabase } from './helpers/db';
import { seedBulk } from '../src/seed/bulk';

const db = useTestDatabase();

describe('seedBulk', () => {
  it('makes the asked number of tickets in groups of 5–30, 80 events each, about 70 % assigned', async () => {
    const result = await seedBulk(db.knex, { tickets: 1000 });
    expect(result.tickets).toBe(1000);
    const count = async (table: string) => Number((await db.knex(table).count({ n: '*' }))[0]!.n);
    expect(await count('tickets')).toBe(1000);
    expect(await count('groups')).toBe(result.groups);
    expect(await count('events')).toBe(result.groups * 80);
    expect(await count('users')).toBe(result.users);

    const sizes = await db
      .knex('memberships')
      .groupBy('group_id')
      .select(db.knex.raw('count(*)::int as n'), db.knex.raw("count(*) filter (where role = 'admin')::int as admins"));
    for (const size of sizes) {
      expect(size.n).toBeGreaterThanOrEqual(5);
      expect(size.n).toBeLessThanOrEqual(30);
      expect(size.admins).toBe(1);
    }
    const [assigned] = await db
      .knex('tickets')
      .select(db.knex.raw('avg(case when assignee_id is null then 0 else 1 end)::float as share'));
    expect(assigned.share).toBeGreaterThan(0.6);
    expect(assigned.share).toBeLessThan(0.8);
    const [events] = await db
      .knex('events')
      .select(
        db.knex.raw(
          'count(*) filter (where start_time < now())::int as past, count(*) filter (where start_time >= now())::int as future',
        ),
      );
    expect(events.past).toBeGreaterThan(0);
    expect(events.future).toBeGreaterThan(0);
    // Owners and assignees are members of the ticket's group (the composite keys hold), and
    // every user belongs to exactly one seeded group.
    const { rows } = await db.knex.raw(`select count(*)::int as n from tickets t
        left join memberships o on o.group_id = t.group_id and o.user_id = t.owner_id
        left join memberships a on a.group_id = t.group_id and a.user_id = t.assignee_id
       where o.id is null or (t.assignee_id is not null and a.id is null)`);
    const strays = rows[0].n;
    expect(strays).toBe(0);
    expect(await count('memberships')).toBe(result.users);
  });

  it("leaves the tickets table's indexes and foreign keys as the migrations made them, and they hold", async () => {
    const schemaOfTickets = async () => {
      const { rows } = await db.knex.raw(
        `select pg_get_indexdef(indexrelid) as definition from pg_index where indrelid = 'tickets'::regclass
         union all
         select conname || ' ' || pg_get_constraintdef(oid) || case when convalidated then '' else ' (not validated)' end
           from pg_constraint where conrelid = 'tickets'::regclass
         order by 1`,
      );
      return rows.map((row: { definition: string }) => row.definition);
    };
    const before = await schemaOfTickets();
    expect(before.filter((line: string) => line.includes('FOREIGN KEY'))).toHaveLength(5);
    await seedBulk(db.knex, { tickets: 500 });
    expect(await schemaOfTickets()).toEqual(before);
    // The keys are back in force: a ticket whose owner is not a member is refused.
    const ticket = await db.knex('tickets').first('group_id', 'event_id');
    const outsider = await db
      .knex('users')
      .whereNotIn('id', db.knex('memberships').where({ group_id: ticket.group_id }).select('user_id'))
      .first('id');
    const insert = db
      .knex('tickets')
      .insert({ group_id: ticket.group_id, event_id: ticket.event_id, owner_id: outsider.id, seat: '1' });
    await expect(insert).rejects.toMatchObject({ code: '23503' });
  });
});
