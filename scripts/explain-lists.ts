// EXPLAIN ANALYZE of every list statement of API v1, as the routes send them, for one seeded
// user (after `npm run seed:bulk`). Usage:
//   DATABASE_URL=postgres://… npx tsx scripts/explain-lists.ts [email]
// Without an email it picks a member of the first seeded group.
import { loadConfig } from '../src/config';
import { createDatabase } from '../src/db';
import { pageQuery } from '../src/http/pagination';
import { hashToken } from '../src/security/tokens';
import { listTickets, findFilterTargets } from '../src/api/v1/tickets/queries';
import { listEvents } from '../src/api/v1/events/queries';
import { listUsers } from '../src/api/v1/users/queries';
import { listAliases } from '../src/api/v1/user_aliases/queries';
import { listGroups } from '../src/api/v1/groups/queries';
import { listDeletions } from '../src/api/v1/deletions/queries';
import type { Knex } from 'knex';

async function main() {
  const db = createDatabase(loadConfig());
  const knex = db.knex;
  try {
    const email = process.argv[2];
    type Found = { id: string; email: string } | undefined;
    const user = email
      ? await knex('users').whereRaw('lower(email) = lower(?)', [email]).first<Found>('id', 'email')
      : await knex('users')
          .where('email', 'like', 'seed-%-1-2@seed.example')
          .orderBy('created_at')
          .first<Found>('id', 'email');
    if (!user) throw new Error('No such user: run `npm run seed:bulk` first, or give an email.');
    const actor = { userId: user.id };
    const membership = await knex('memberships')
      .where({ user_id: actor.userId })
      .first<{ group_id: string } | undefined>('group_id');
    if (!membership) throw new Error(`${user.email} is in no group.`);
    const event = await knex('events')
      .where({ group_id: membership.group_id })
      .orderBy('start_time')
      .first<{ id: string } | undefined>('id');
    if (!event) throw new Error(`${user.email}'s first group has no events.`);
    const page = { limit: 50, offset: 0 };
    const dayAgo = new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString();
    const [counted] = await knex('tickets').count<Array<{ n: number | string }>>({ n: '*' });
    const tickets = counted?.n;
    console.log(`${tickets} tickets; explaining as ${user.email}\n`);

    const statements: Array<[string, Knex.QueryBuilder | Knex.Raw]> = [
      [
        'token check (access token by digest)',
        knex('oauth_tokens')
          .where({ access_token_hash: hashToken('x') })
          .whereNull('revoked_at')
          .first('id', 'user_id', 'scope'),
      ],
      ['GET /tickets', pageQuery(knex, listTickets(knex, actor, {}), page)],
      [
        'GET /tickets?owner=me&show=future',
        pageQuery(knex, listTickets(knex, actor, { owner: 'me', show: 'future' }), page),
      ],
      ['GET /tickets?assignee=me', pageQuery(knex, listTickets(knex, actor, { assignee: 'me' }), page)],
      [
        'GET /tickets?group_id=…&show=future',
        pageQuery(knex, listTickets(knex, actor, { groupId: membership.group_id, show: 'future' }), page),
      ],
      [
        'GET /tickets?event_id=…&available=true',
        pageQuery(knex, listTickets(knex, actor, { eventId: event.id, available: true }), page),
      ],
      [
        'GET /events?show=future',
        pageQuery(knex, listEvents(knex, actor, { show: 'future', ordering: 'start_time' }), page),
      ],
      [
        'GET /events?group_id=…&ordering=-start_time',
        pageQuery(knex, listEvents(knex, actor, { groupId: membership.group_id, ordering: '-start_time' }), page),
      ],
      ['GET /users', pageQuery(knex, listUsers(knex, actor), page)],
      ['GET /users?group_id=…', pageQuery(knex, listUsers(knex, actor, { groupId: membership.group_id }), page)],
      ['GET /user_aliases', pageQuery(knex, listAliases(knex, actor), page)],
      ['GET /groups', pageQuery(knex, listGroups(knex, actor), page)],
      // Delta sync (#17): a phone that last synced a day ago.
      ['GET /tickets?updated_since=…', pageQuery(knex, listTickets(knex, actor, { updatedSince: dayAgo }), page)],
      [
        'GET /events?updated_since=…',
        pageQuery(knex, listEvents(knex, actor, { ordering: 'start_time', updatedSince: dayAgo }), page),
      ],
      ['GET /users?updated_since=…', pageQuery(knex, listUsers(knex, actor, { updatedSince: dayAgo }), page)],
      ['GET /user_aliases?updated_since=…', pageQuery(knex, listAliases(knex, actor, { updatedSince: dayAgo }), page)],
      ['GET /groups?updated_since=…', pageQuery(knex, listGroups(knex, actor, { updatedSince: dayAgo }), page)],
      ['GET /deletions?since=…', pageQuery(knex, listDeletions(knex, actor, dayAgo), page)],
    ];
    // The filter check of GET /tickets?group_id&event_id (its SQL, captured from a dry run).
    let filterSql: { sql: string; bindings: readonly unknown[] } | undefined;
    const capture = (query: { sql: string; bindings: readonly unknown[] }) => (filterSql ??= query);
    knex.on('query', capture);
    await findFilterTargets(knex, actor, { groupId: membership.group_id, eventId: event.id });
    knex.removeListener('query', capture);
    if (filterSql)
      statements.push([
        'filter check (group_id, event_id)',
        knex.raw(filterSql.sql.replace(/\$\d+/g, '?'), filterSql.bindings as Knex.RawBinding[]),
      ]);

    for (const [name, statement] of statements) {
      const { sql, bindings } = statement.toSQL();
      const result = await knex.raw<{ rows: Array<{ 'QUERY PLAN': string }> }>(
        `explain (analyze, buffers, costs off) ${sql}`,
        bindings as Knex.RawBinding[],
      );
      console.log(`== ${name}`);
      for (const row of result.rows) console.log(`   ${row['QUERY PLAN']}`);
      console.log();
    }
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
