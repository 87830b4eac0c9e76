// A realistic dataset in a few set-based statements (INSERT … SELECT generate_series), for
// EXPLAIN and the benchmark: groups of 5–30 members (the first is admin), 80 events per
// group over a season around today (half past, half future), 4–8 seats per event owned by
// members, about 70 % assigned to a member of the group, the rest available.
//
// Everything runs in one transaction on one connection (the temporary tables live there).
// The tickets go in the way pg_restore loads a table: its secondary indexes and foreign keys
// are dropped first and made again after (one sorted build and one set-based check each,
// instead of a million index insertions and a million trigger calls per key). 1 000 000
// tickets took 82 s before, most of it in those per-row checks and in natural_sort_key; 25 s
// after. The seed locks the tables meanwhile: it is for benchmark and EXPLAIN databases.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { hashPassword } from '../security/passwords';

export const SEED_PASSWORD = 'seatshare-seed';
const EVENTS_PER_GROUP = 80;
const AVERAGE_SEATS_PER_EVENT = 5.5;

export interface BulkSeedResult {
  run: string;
  groups: number;
  users: number;
  events: number;
  tickets: number;
  /** Every seeded user's email is seed-<run>-<group>-<member>@seed.example, password SEED_PASSWORD. */
  sampleEmail: string;
}

/**
 * Runs `load` with `table`'s secondary indexes and foreign keys dropped, and makes them again
 * from their catalog definitions after (inside the caller's transaction: a failure restores
 * them). The primary key and indexes behind constraints stay.
 */
async function withoutIndexesAndForeignKeys(
  trx: Knex.Transaction,
  table: string,
  load: () => Promise<unknown>,
): Promise<void> {
  // PostgreSQL writes both statements of each from its catalog, names quoted as they need.
  const { rows } = await trx.raw<{ rows: { drop: string; restore: string }[] }>(
    `select format('drop index %s', indexrelid::regclass) as drop,
            pg_get_indexdef(indexrelid) as restore, 2 as restore_order
       from pg_index
      where indrelid = ?::regclass and not exists (select 1 from pg_constraint where conindid = indexrelid)
     union all
     select format('alter table %s drop constraint %I', conrelid::regclass, conname),
            format('alter table %s add constraint %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)), 3
       from pg_constraint
      where conrelid = ?::regclass and contype = 'f'
      order by restore_order`,
    [table, table],
  );
  for (const { drop } of rows) await trx.raw(drop);
  await load();
  for (const { restore } of rows) await trx.raw(restore);
}

export async function seedBulk(knex: Knex, { tickets }: { tickets: number }): Promise<BulkSeedResult> {
  const run = randomBytes(3).toString('hex');
  const groups = Math.max(1, Math.ceil(tickets / (EVENTS_PER_GROUP * AVERAGE_SEATS_PER_EVENT)) + 1);
  const passwordHash = await hashPassword(SEED_PASSWORD);
  return knex.transaction(async (trx) => {
    await trx.raw(
      `create temporary table seed_groups on commit drop as
         select i, gen_random_uuid() as id, 5 + (i * 7) % 26 as members, 4 + i % 5 as seats
           from generate_series(1, ?) as i`,
      [groups],
    );
    await trx.raw(
      `insert into groups (id, name, invitation_code)
         select id, 'Season club ' || i, 'seed' || replace(id::text, '-', '') from seed_groups`,
    );
    await trx.raw(
      `create temporary table seed_members on commit drop as
         select g.i as gi, g.id as group_id, g.members, n, gen_random_uuid() as user_id
           from seed_groups as g cross join lateral generate_series(1, g.members) as n`,
    );
    await trx.raw(
      `insert into users (id, email, password_hash, first_name, last_name)
         select user_id, 'seed-' || ? || '-' || gi || '-' || n || '@seed.example', ?, 'Fan' || n, 'Club' || gi
           from seed_members`,
      [run, passwordHash],
    );
    await trx.raw(
      `insert into memberships (group_id, user_id, role)
         select group_id, user_id, case when n = 1 then 'admin' else 'member' end from seed_members`,
    );
    await trx.raw(
      `create temporary table seed_events on commit drop as
         select g.i as gi, g.id as group_id, g.members, g.seats, k, gen_random_uuid() as id
           from seed_groups as g cross join generate_series(1, ?) as k`,
      [EVENTS_PER_GROUP],
    );
    // Every other day around today, at 19:00 plus a few minutes per group.
    await trx.raw(
      `insert into events (id, group_id, name, start_time)
         select id, group_id, 'Game ' || k,
                date_trunc('day', now()) + (k - ? / 2) * interval '2 days'
                  + interval '19 hours' + (gi % 60) * interval '1 minute'
           from seed_events`,
      [EVENTS_PER_GROUP],
    );
    await withoutIndexesAndForeignKeys(trx, 'tickets', () =>
      trx.raw(
        `insert into tickets (group_id, event_id, owner_id, assignee_id, section, "row", seat, cost)
         select e.group_id, e.id, owner.user_id,
                case when (e.k * 7 + owner.n * 3) % 10 < 7 then holder.user_id end,
                (100 + e.gi % 40)::text, chr(65 + e.gi % 20), owner.n::text, (20 + e.gi % 50)::numeric
           from seed_events as e
           join seed_members as owner on owner.group_id = e.group_id and owner.n <= least(e.members, e.seats)
           join seed_members as holder on holder.group_id = e.group_id and holder.n = 1 + (e.k + owner.n) % e.members
          limit ?`,
        [tickets],
      ),
    );
    const counts = await trx.raw<{ rows: [{ users: number; tickets: number }] }>(
      `select (select count(*)::int from seed_members) as users,
              (select count(*)::int from tickets where group_id in (select id from seed_groups)) as tickets`,
    );
    await trx.raw('analyze');
    return {
      run,
      groups,
      users: Number(counts.rows[0].users),
      events: groups * EVENTS_PER_GROUP,
      tickets: Number(counts.rows[0].tickets),
      sampleEmail: `seed-${run}-1-2@seed.example`,
    };
  });
}
