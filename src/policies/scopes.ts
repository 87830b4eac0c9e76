// Visibility in SQL (SPEC §5): one scope per resource, used by every list and every
// single-record lookup of the API. Each returns a knex query over the resource's table under
// a fixed alias, already narrowed to what `actor` may see; callers add filters, joins (with
// other aliases), columns and order.
//
//   "your groups"    active groups in which the actor has a membership (any role)
//   "mutual member"  a user who shares at least one of your groups
//
// Reads of these tables from API code go through here (test/policies/boundary.test.ts checks).
import type { Knex } from 'knex';
import type { Actor } from './actor';

/** Joins `memberships as m` (the actor's membership: `m.role`) and the active group of `groupColumn`. */
function joinYourMembership(query: Knex.QueryBuilder, actor: Actor, groupColumn: string): Knex.QueryBuilder {
  return query
    .join('memberships as m', (on) => on.on('m.group_id', '=', groupColumn).andOnVal('m.user_id', '=', actor.userId))
    .join('groups as g', (on) => on.on('g.id', '=', groupColumn).andOnNull('g.deactivated_at'));
}

/** Groups as `g`, with the actor's membership as `m`. */
export function visibleGroups(db: Knex, actor: Actor): Knex.QueryBuilder {
  return db('groups as g')
    .join('memberships as m', (on) => on.on('m.group_id', '=', 'g.id').andOnVal('m.user_id', '=', actor.userId))
    .whereNull('g.deactivated_at');
}

/** Events as `e`, with the actor's membership `m` and the group `g`. */
export function visibleEvents(db: Knex, actor: Actor): Knex.QueryBuilder {
  return joinYourMembership(db('events as e'), actor, 'e.group_id');
}

/** Tickets as `t`, with the actor's membership `m` and the group `g`. */
export function visibleTickets(db: Knex, actor: Actor): Knex.QueryBuilder {
  return joinYourMembership(db('tickets as t'), actor, 't.group_id');
}

/**
 * `userColumn in (…)`: the actor, or a user who shares one of the actor's active groups.
 * An IN over a union (not `= actor OR EXISTS …`) lets PostgreSQL start from the actor's few
 * memberships and probe users by key, instead of filtering every user (seen in EXPLAIN).
 */
function isYouOrMutualMember(db: Knex, actor: Actor, userColumn: string) {
  const mutualMembers = db
    .select('theirs.user_id')
    .from('memberships as mine')
    .join('memberships as theirs', 'theirs.group_id', 'mine.group_id')
    .join('groups as mg', (on) => on.on('mg.id', '=', 'mine.group_id').andOnNull('mg.deactivated_at'))
    .where('mine.user_id', actor.userId)
    .union(db.raw('select ?::uuid', [actor.userId]));
  return (where: Knex.QueryBuilder) => {
    where.whereIn(userColumn, mutualMembers);
  };
}

/** Users as `u`: the actor and their mutual members. */
export function visibleUsers(db: Knex, actor: Actor): Knex.QueryBuilder {
  return db('users as u').where(isYouOrMutualMember(db, actor, 'u.id'));
}

/** User aliases as `a`: the actor's own and their mutual members'. */
export function visibleAliases(db: Knex, actor: Actor): Knex.QueryBuilder {
  return db('user_aliases as a').where(isYouOrMutualMember(db, actor, 'a.user_id'));
}

// --- Holders of a secret -----------------------------------------------------------------
// Joining a group is the one read by someone who is not (yet) a member: whoever holds a
// code may see the active group it opens, and nothing else.

/** The active group (as `g`) whose reusable join code this is. */
export function groupOpenedByJoinCode(db: Knex, code: string): Knex.QueryBuilder {
  return db('groups as g').where('g.invitation_code', code).whereNull('g.deactivated_at');
}

/** The invitation (as `i`, its active group as `g`) whose single-use code has this digest, if still usable. */
export function invitationOpenedByCode(db: Knex, codeHash: string): Knex.QueryBuilder {
  return db('invitations as i')
    .join('groups as g', (on) => on.on('g.id', '=', 'i.group_id').andOnNull('g.deactivated_at'))
    .where('i.code_hash', codeHash)
    .whereNull('i.accepted_at')
    .whereNull('i.cancelled_at')
    .where('i.expires_at', '>', db.fn.now());
}

/**
 * Delta sync (#17): whether the user in `userColumn` came into your view at or after `since` —
 * they joined one of your groups then, or you joined one of theirs. For an EXISTS in the users'
 * and aliases' lists.
 */
export function sharingSince(db: Knex, actor: Actor, since: string, userColumn: string): Knex.QueryBuilder {
  return visibleGroups(db, actor)
    .join('memberships as theirs', 'theirs.group_id', 'g.id')
    .whereNot('theirs.user_id', actor.userId) // you were always in your view
    .where((joined) => {
      joined.where('theirs.created_at', '>=', since).orWhere('m.created_at', '>=', since);
    })
    .whereRaw('theirs.user_id = ??', [userColumn])
    .select(db.raw('1'));
}
