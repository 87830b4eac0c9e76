// Who belongs to a group: joining with a code, leaving or being removed, roles (SPEC §5).
// A group always keeps an admin; a member who goes loses the tickets they own there, and the
// tickets assigned to them become available — all recorded in ticket history, in one
// transaction with the membership change.
import type { Knex } from 'knex';
import { findAccountStatus } from '../../../accounts/verification';
import { conflict, validationFailed } from '../../../errors';
import type { Actor } from '../../../policies/actor';
import { authorize, type Authorized } from '../../../policies/authorize';
import { isUuid } from '../../../policies/ids';
import { requireVerified, type Role } from '../../../policies/rules';
import { groupOpenedByJoinCode, invitationOpenedByCode, visibleGroups } from '../../../policies/scopes';
import { hashToken } from '../../../security/tokens';
import { recordGroupLost } from '../deletions/public';
import { recordDeletions } from '../tickets/public';
import type { GroupRow } from './presenter';

export interface MemberRow {
  user_id: string;
  role: Role;
  admin_count: number;
}

/** A member of a group the actor can see (with the group's admin count), or undefined. */
export async function findMember(
  db: Knex,
  actor: Actor,
  group: Authorized<GroupRow>,
  userId: string,
): Promise<MemberRow | undefined> {
  if (!isUuid(userId)) return undefined; // checked here, after the group's policy (fields.ts: innerRecordId)
  return visibleGroups(db, actor)
    .where('g.id', group.id)
    .join('memberships as target', (on) =>
      on.on('target.group_id', '=', 'g.id').andOnVal('target.user_id', '=', userId),
    )
    .first(
      'target.user_id',
      'target.role',
      db.raw(
        `(select count(*) from memberships as ma where ma.group_id = g.id and ma.role = 'admin')::int as admin_count`,
      ),
    );
}

const WRONG_CODE = 'is not a valid invitation or join code (it may be used, cancelled or expired)';

/**
 * Joins the group a code opens; returns its id. 403 for an account whose email is not verified
 * (SPEC §7; checked first, so it cannot try codes), 400 for a code that opens nothing, 409 if
 * already a member.
 */
export async function joinWithCode(trx: Knex.Transaction, actor: Actor, code: string): Promise<string> {
  authorize(await findAccountStatus(trx, actor.userId), requireVerified);
  const invitation = code.startsWith('ssi_');
  type Opened = { group_id: string; invitation_id?: string } | undefined;
  const found = invitation
    ? await invitationOpenedByCode(trx, hashToken(code)).first<Opened>('i.group_id', 'i.id as invitation_id')
    : await groupOpenedByJoinCode(trx, code.toUpperCase()).first<Opened>('g.id as group_id');
  if (!found) throw validationFailed({ code: [WRONG_CODE] });
  const already = await visibleGroups(trx, actor)
    .where('g.id', found.group_id)
    .first<{ id: string } | undefined>('g.id');
  if (already) throw conflict('You are already a member of this group.');
  if (found.invitation_id) {
    // Single use: of concurrent redemptions, exactly one updates the row.
    const accepted = await trx('invitations')
      .where({ id: found.invitation_id })
      .whereNull('accepted_at')
      .whereNull('cancelled_at')
      .update({ accepted_at: trx.fn.now(), accepted_by_id: actor.userId });
    if (accepted !== 1) throw validationFailed({ code: [WRONG_CODE] });
  }
  await trx('memberships').insert({ group_id: found.group_id, user_id: actor.userId, role: 'member' });
  return found.group_id;
}

/** Removes the member: their owned tickets in the group go, the ones they hold become available. */
export async function removeMember(
  trx: Knex.Transaction,
  actor: Actor,
  group: Authorized<GroupRow>,
  member: MemberRow,
): Promise<void> {
  const where = [group.id, member.user_id];
  await recordDeletions(trx, actor, { group_id: group.id, owner_id: member.user_id });
  await trx.raw(
    `insert into ticket_history (ticket_id, group_id, actor_id, action, changes)
     select id, group_id, ?, 'unassigned', jsonb_build_object('assignee_id', jsonb_build_array(assignee_id, null))
              || case when alias_id is null then '{}'::jsonb
                      else jsonb_build_object('alias_id', jsonb_build_array(alias_id, null)) end
       from tickets where group_id = ? and assignee_id = ? and owner_id <> assignee_id`,
    [actor.userId, ...where],
  );
  await trx('tickets')
    .where({ group_id: group.id, assignee_id: member.user_id })
    .whereNot({ owner_id: member.user_id })
    .update({ assignee_id: null, alias_id: null, updated_at: trx.fn.now() });
  // Delta sync: the member lost the group, and with it its events and tickets (derived when read).
  await recordGroupLost(trx, group.id, { userId: member.user_id });
  // Their own tickets go with the membership (tickets (group_id, owner_id) → memberships cascade).
  await trx('memberships').where({ group_id: group.id, user_id: member.user_id }).delete();
}

export async function changeRole(db: Knex, group: Authorized<GroupRow>, member: MemberRow, role: Role): Promise<void> {
  await db('memberships')
    .where({ group_id: group.id, user_id: member.user_id })
    .update({ role, updated_at: db.fn.now() });
}
