// Data access for /api/v1/deletions: the tombstones (./tombstones.ts) a caller may read, each
// part starting from a visibility scope and joining `deletions` through one of its
// (audience, deleted_at) indexes:
//   1. deleted in one of your groups (tickets, events): visibleGroups → (group_id, deleted_at);
//   2. groups you lost (left, removed, deactivated): you → (user_id, deleted_at);
//   3. derived from 2, not stored: that group's events and tickets as they are now (made
//      before you left: nothing made later is named to you), and what was deleted in it up to
//      your departure (your own tickets go with a removal): a departure is one row however much
//      the group holds;
//   4. aliases of you and your mutual members: visibleUsers → (owner_id, deleted_at);
//   5. derived, not stored: people who left your view, with their aliases — the members of a
//      group you lost, and members who left (or were removed from) one of your groups, when
//      they share no group with you any more.
// Bounded to what you could have seen: deletions in a group you are in count from when you
// (last) joined it; a group you lost counts from your latest departure only. UNION, not UNION
// ALL: a record reached by two parts is listed once (per time).
import type { Knex } from 'knex';
import type { Actor } from '../../../policies/actor';
import { visibleGroups, visibleUsers } from '../../../policies/scopes';

const OUTPUT = ['type', 'id', 'deleted_at'];

/** Everything that left your view at or after `since` (ISO 8601), oldest first. */
export function listDeletions(db: Knex, actor: Actor, since: string): Knex.QueryBuilder {
  // Only what was deleted while you are in the group (this time): nothing from before you joined.
  const inYourGroups = visibleGroups(db, actor)
    .join('deletions as d', (on) => on.on('d.group_id', '=', 'g.id').andOnNull('d.user_id'))
    .where('d.deleted_at', '>=', since)
    .where('d.deleted_at', '>=', db.ref('m.created_at'))
    .select('d.type', 'd.record_id as id', 'd.deleted_at');
  // Your latest departure from each group only: leaving and rejoining does not multiply the rows.
  const groupsYouLost = () =>
    visibleUsers(db, actor)
      .where('u.id', actor.userId)
      .join('deletions as l', 'l.user_id', 'u.id')
      .where('l.deleted_at', '>=', since)
      .whereRaw(
        'not exists (select 1 from deletions as later where later.user_id = u.id ' +
          'and later.group_id = l.group_id and later.deleted_at > l.deleted_at)',
      );
  const lost = groupsYouLost().select('l.type', 'l.record_id as id', 'l.deleted_at');
  const lostEvents = groupsYouLost()
    .join('events as le', (on) => on.on('le.group_id', '=', 'l.group_id').andOn('le.created_at', '<=', 'l.deleted_at'))
    .select(db.raw("'event' as type"), 'le.id', 'l.deleted_at');
  const lostTickets = groupsYouLost()
    .join('tickets as lt', (on) => on.on('lt.group_id', '=', 'l.group_id').andOn('lt.created_at', '<=', 'l.deleted_at'))
    .select(db.raw("'ticket' as type"), 'lt.id', 'l.deleted_at');
  // Deleted in it up to your departure — or, if you are back, up to your return (what went while
  // you were away; what goes after is inYourGroups').
  const deletedBeforeYouLeft = groupsYouLost()
    .join('deletions as ld', (on) => on.on('ld.group_id', '=', 'l.group_id').andOnNull('ld.user_id'))
    .where('ld.deleted_at', '>=', since)
    .whereRaw(
      'ld.deleted_at <= coalesce((select back.created_at from memberships as back ' +
        'where back.user_id = u.id and back.group_id = l.group_id), l.deleted_at)',
    )
    .select('ld.type', 'ld.record_id as id', 'ld.deleted_at');
  const aliases = visibleUsers(db, actor)
    .join('deletions as da', 'da.owner_id', 'u.id')
    .where('da.deleted_at', '>=', since)
    .select('da.type', 'da.record_id as id', 'da.deleted_at');
  const parts = [lost, lostEvents, lostTickets, deletedBeforeYouLeft, aliases];
  const everyoneGone = [
    membersOfGroupsYouLost(db, actor, groupsYouLost()),
    membersWhoLeftGroupsYouLost(db, actor, groupsYouLost(), since),
    membersWhoLeft(db, actor, since),
  ];
  for (const gone of everyoneGone) {
    parts.push(gone.query.clone().select(db.raw("'user' as type"), `${gone.user} as id`, `${gone.at} as deleted_at`));
    parts.push(
      gone.query
        .clone()
        .join('user_aliases as ga', 'ga.user_id', gone.user)
        .select(db.raw("'user_alias' as type"), 'ga.id', `${gone.at} as deleted_at`),
    );
  }
  // Only scoped queries in the union; wrapped so that the page's count and order apply to all of it.
  return db(inYourGroups.union(parts).as('left_view')).select(OUTPUT).orderBy(['deleted_at', 'type', 'id']);
}

/** People who left your view (their id in column `user`, when in `at`); their aliases go with them. */
interface Gone {
  query: Knex.QueryBuilder;
  user: string;
  at: string;
}

/** Neither you nor a mutual member now. */
function stillVisible(db: Knex, actor: Actor): Knex.QueryBuilder {
  return visibleUsers(db, actor).select('u.id');
}

/** The members of a group you lost who share no group with you now. */
function membersOfGroupsYouLost(db: Knex, actor: Actor, groupsYouLost: Knex.QueryBuilder): Gone {
  const query = groupsYouLost
    .join('memberships as lm', (on) =>
      on.on('lm.group_id', '=', 'l.group_id').andOn('lm.created_at', '<=', 'l.deleted_at'),
    )
    .whereNotIn('lm.user_id', stillVisible(db, actor));
  return { query, user: 'lm.user_id', at: 'l.deleted_at' };
}

/**
 * Members who had left a group you then lost (since `since`) and share no group with you now:
 * you saw them there, and neither the group's members now nor your current groups name them.
 */
function membersWhoLeftGroupsYouLost(db: Knex, actor: Actor, groupsYouLost: Knex.QueryBuilder, since: string): Gone {
  const query = groupsYouLost
    .join('deletions as ll', (on) => on.on('ll.group_id', '=', 'l.group_id').andOnNotNull('ll.user_id'))
    .where('ll.deleted_at', '>=', since)
    .whereNotIn('ll.user_id', stillVisible(db, actor));
  return { query, user: 'll.user_id', at: 'l.deleted_at' };
}

/**
 * Members who left (or were removed from) one of your groups while you are in it, and share
 * none with you now.
 */
function membersWhoLeft(db: Knex, actor: Actor, since: string): Gone {
  const query = visibleGroups(db, actor)
    .join('deletions as dm', (on) => on.on('dm.group_id', '=', 'g.id').andOnNotNull('dm.user_id'))
    .where('dm.deleted_at', '>=', since)
    .where('dm.deleted_at', '>=', db.ref('m.created_at'))
    .whereNotIn('dm.user_id', stillVisible(db, actor));
  return { query, user: 'dm.user_id', at: 'dm.deleted_at' };
}
