// Deleting an account (SPEC §7), in one transaction: refused while the user is the last admin of
// a group that has other members; otherwise each membership ends as leaving does (SPEC §5: owned
// tickets deleted, assigned ones made available, all in ticket history, through the same
// removeMember as DELETE /groups/:id/members/:user_id), and the apps, tokens, sessions, aliases
// and the user row go. History entries stay: their actor_id is cleared (ON DELETE SET NULL) and
// the presenter names a "deleted user" (tickets/presenter.ts).
//
// A group whose only member is the user is deactivated, as DELETE /groups/:id does: its last
// admin cannot leave it (SPEC §5), nobody else is in it to lose anything, and a group with no
// member and no admin would be one nobody could ever see or run.
//
// Groups are locked as the membership routes lock them (findGroup's FOR NO KEY UPDATE of the
// group and the membership), in id order, before any admin is counted: a concurrent demotion or
// departure either finished before the count or waits until this commits, so two admins leaving
// or deleting at once cannot leave a group without one.
import type { Knex } from 'knex';
import { deactivateGroup, findGroup, findMember, listGroups, removeMember } from '../api/v1/groups/public';
import { recordAliasesOfDeletedAccount } from '../api/v1/deletions/public';
import type { GroupRow } from '../api/v1/groups/presenter';
import type { OutgoingMail } from '../mail/outbox';
import { enqueueMail } from '../mail/outbox';
import type { Actor } from '../policies/actor';
import { authorize } from '../policies/authorize';
import { isLastAdmin, mayAdministerGroup, mayRemoveMember } from '../policies/rules';
import { mailTime } from './notifications';

/** A group as the deletion page names it. */
export interface NamedGroup {
  id: string;
  name: string;
}

/** Thrown inside the deletion's transaction (so it rolls back): the user joined a group meanwhile. */
export class GroupsChangedDuringDeletion extends Error {
  constructor() {
    super('The groups of the account changed while it was being deleted.');
  }
}

export type AccountDeletion = { deleted: true } | { deleted: false; lastAdminOf: NamedGroup[] };

interface GroupStanding {
  group: GroupRow;
  role: GroupRow['role'];
  adminCount: number;
  memberCount: number;
}

/** The ids of the user's active groups, ascending: the order every deletion locks them in. */
async function groupIdsOf(db: Knex, actor: Actor): Promise<string[]> {
  const groups = (await listGroups(db, actor)) as Array<Pick<GroupRow, 'id'>>;
  return groups.map((group) => group.id).sort();
}

/** The user's standing in each of the groups `ids`. */
async function standingsOf(db: Knex, actor: Actor, ids: string[]): Promise<GroupStanding[]> {
  const standings: GroupStanding[] = [];
  for (const id of ids) {
    const group = await findGroup(db, actor, id);
    if (!group) continue; // left or deactivated meanwhile
    const member = await findMember(db, actor, authorize(group), actor.userId);
    if (!member) continue;
    standings.push({
      group,
      role: member.role,
      adminCount: Number(member.admin_count),
      memberCount: Number(group.member_count),
    });
  }
  return standings;
}

/**
 * The same, with the groups locked first in id order (so two deletions sharing groups queue
 * instead of deadlocking), then read again: the counts are taken after any change waited for.
 */
async function lockedStandings(trx: Knex.Transaction, actor: Actor): Promise<GroupStanding[]> {
  const ids = await groupIdsOf(trx, actor);
  for (const id of ids) await findGroup(trx, actor, id, { lock: true });
  return standingsOf(trx, actor, ids);
}

const blocks = (standing: GroupStanding) =>
  isLastAdmin({ role: standing.role }, standing.adminCount) && standing.memberCount > 1;

const onlyMember = (standing: GroupStanding) => standing.memberCount === 1;

export interface DeletionPreview {
  /** Groups that block the deletion: the user is their last admin and others are in them. */
  lastAdminOf: NamedGroup[];
  /** Groups the user leaves. */
  leaving: NamedGroup[];
  /** Groups with no other member: deactivated. */
  closing: NamedGroup[];
}

const named = ({ group }: GroupStanding): NamedGroup => ({ id: group.id, name: group.name });

/** What deleting the account would do to the user's groups now (the page shows it up front). */
export async function previewDeletion(db: Knex, userId: string): Promise<DeletionPreview> {
  const actor: Actor = { userId };
  const standings = await standingsOf(db, actor, await groupIdsOf(db, actor));
  return {
    lastAdminOf: standings.filter(blocks).map(named),
    leaving: standings.filter((standing) => !blocks(standing) && !onlyMember(standing)).map(named),
    closing: standings.filter(onlyMember).map(named),
  };
}

/**
 * Deletes the account of `userId` and queues the goodbye mail, or refuses (nothing changed) and
 * names the groups where the user is the last admin with other members. An account already gone
 * (a second submission racing the first) counts as deleted and is not mailed again.
 */
export async function deleteAccount(
  trx: Knex.Transaction,
  userId: string,
  { baseUrl }: { baseUrl: string },
): Promise<AccountDeletion> {
  const actor: Actor = { userId };
  const standings = await lockedStandings(trx, actor);
  const lastAdminOf = standings.filter(blocks).map(named);
  if (lastAdminOf.length > 0) return { deleted: false, lastAdminOf };

  // Written while the account still exists: the groups' members learn its aliases are gone.
  await recordAliasesOfDeletedAccount(
    trx,
    userId,
    standings.filter((standing) => !onlyMember(standing)).map((standing) => standing.group.id),
  );
  for (const standing of standings) {
    if (onlyMember(standing)) {
      await deactivateGroup(trx, authorize(standing.group, mayAdministerGroup));
    } else {
      const group = authorize(standing.group, (found) => mayRemoveMember(actor, found, userId));
      await removeMember(trx, actor, group, authorize(await findMember(trx, actor, group, userId)));
    }
  }

  // A membership the user's own token made meanwhile (a join while this ran) would go with the
  // user's row below, its tickets with no history: with the row locked (a join's insert waits on
  // it from here), nothing may be left; if something is, undo all of it and say so.
  await trx('users').where({ id: userId }).forUpdate().first('id');
  if ((await groupIdsOf(trx, actor)).length > 0) throw new GroupsChangedDuringDeletion();

  // The rest is the account's alone and goes with its row, by the schema's ON DELETE CASCADE
  // (migrations/20261122000*): apps it registered (with every code, token and consent given to
  // them, other people's too), its OAuth codes, tokens and consents, personal tokens, sessions
  // (signed out everywhere), aliases, account links, and memberships in deactivated groups.
  // Keys that must outlive it are cleared instead: ticket history's actor, invitations' inviter.
  const [gone] = await trx('users')
    .where({ id: userId })
    .delete()
    .returning<Array<{ email: string; first_name: string }>>(['email', 'first_name']);
  if (gone) await enqueueMail(trx, accountDeletedMail(baseUrl, gone));
  return { deleted: true };
}

function accountDeletedMail(baseUrl: string, owner: { email: string; first_name: string }): OutgoingMail {
  return {
    to: owner.email,
    subject: 'Your SeatShare account was deleted',
    template: 'account-deleted',
    data: { name: owner.first_name, email: owner.email, when: mailTime(), signupLink: `${baseUrl}/signup` },
  };
}
