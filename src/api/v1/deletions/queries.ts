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
// UNION, not UNION ALL: a record reached twice (a group left and rejoined) is listed once.
import type { Knex } from 'knex';
import type { Actor } from '../../../policies/actor';
import { visibleGroups, visibleUsers } from '../../../policies/scopes';

const OUTPUT = ['type', 'id', 'deleted_at'];

/** Everything that left your view at or after `since` (ISO 8601), oldest first. */
export function listDeletions(db: Knex, actor: Actor, since: string): Knex.QueryBuilder {
  const inYourGroups = visibleGroups(db, actor)
    .join('deletions as d', (on) => on.on('d.group_id', '=', 'g.id').andOnNull('d.user_id'))
    .where('d.deleted_at', '>=', since)
    .select('d.type', 'd.record_id as id', 'd.deleted_at');
  const groupsYouLost = () =>
    visibleUsers(db, actor)
      .where('u.id', actor.userId)
      .join('deletions as l', 'l.user_id', 'u.id')
      .where('l.deleted_at', '>=', since);
  const lost = groupsYouLost().select('l.type', 'l.record_id as id', 'l.deleted_at');
  const lostEvents = groupsYouLost()
    .join('events as le', (on) => on.on('le.group_id', '=', 'l.group_id').andOn('le.created_at', '<=', 'l.deleted_at'))
    .select(db.raw("'event' as type"), 'le.id', 'l.deleted_at');
  const lostTickets = groupsYouLost()
    .join('tickets as lt', (on) => on.on('lt.group_id', '=', 'l.group_id').andOn('lt.created_at', '<=', 'l.deleted_at'))
    .select(db.raw("'ticket' as type"), 'lt.id', 'l.deleted_at');
  const deletedBeforeYouLeft = groupsYouLost()
    .join('deletions as ld', (on) =>
      on.on('ld.group_id', '=', 'l.group_id').andOnNull('ld.user_id').andOn('ld.deleted_at', '<=', 'l.deleted_at'),
    )
    .where('ld.deleted_at', '>=', since)
    .select('ld.type', 'ld.record_id as id', 'ld.deleted_at');
  const aliases = visibleUsers(db, actor)
    .join('deletions as da', 'da.owner_id', 'u.id')
    .where('da.deleted_at', '>=', since)
    .select('da.type', 'da.record_id as id', 'da.deleted_at');
  const parts = [lost, lostEvents, lostTickets, deletedBeforeYouLeft, aliases];
  for (const gone of [membersOfGroupsYouLost(db, actor, groupsYouLost()), membersWhoLeft(db, actor, since)]) {
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

/** Members who left (or were removed from) one of your groups and share none with you now. */
function membersWhoLeft(db: Knex, actor: Actor, since: string): Gone {
  const query = visibleGroups(db, actor)
    .join('deletions as dm', (on) => on.on('dm.group_id', '=', 'g.id').andOnNotNull('dm.user_id'))
    .where('dm.deleted_at', '>=', since)
    .whereNotIn('dm.user_id', stillVisible(db, actor));
  return { query, user: 'dm.user_id', at: 'dm.deleted_at' };
}
