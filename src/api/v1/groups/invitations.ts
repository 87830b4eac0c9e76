// Email invitations to a group (SPEC §5): a single-use code, shown once to the admin who
// makes it and stored as a digest. Sending the email is not SeatShare's job (yet): the API
// returns the code and a join URL for the admin to pass on. Presented by presenter.ts.
import type { Knex } from 'knex';
import type { Actor } from '../../../policies/actor';
import type { Authorized } from '../../../policies/authorize';
import { isUuid } from '../../../policies/ids';
import { visibleGroups } from '../../../policies/scopes';
import { generateToken, hashToken } from '../../../security/tokens';
import type { GroupRow, InvitationRow } from './presenter';

export const INVITATION_DAYS = 14;

const COLUMNS = ['id', 'email', 'accepted_at', 'cancelled_at', 'expires_at', 'created_at'];

export async function createInvitation(
  db: Knex,
  actor: Actor,
  group: Authorized<GroupRow>,
  email: string,
): Promise<{ invitation: InvitationRow; code: string }> {
  const code = generateToken('invitation');
  const [invitation] = await db('invitations')
    .insert({
      group_id: group.id,
      email,
      code_hash: hashToken(code),
      invited_by_id: actor.userId,
      expires_at: new Date(Date.now() + INVITATION_DAYS * 24 * 60 * 60 * 1000),
    })
    .returning<InvitationRow[]>(COLUMNS);
  return { invitation: invitation as InvitationRow, code };
}

/** A group's invitations, newest first (index invitations (group_id, created_at)). */
export function listInvitations(db: Knex, actor: Actor, group: Authorized<GroupRow>): Knex.QueryBuilder {
  return visibleGroups(db, actor)
    .where('g.id', group.id)
    .join('invitations as i', 'i.group_id', 'g.id')
    .select(COLUMNS.map((column) => `i.${column}`))
    .orderBy([
      { column: 'i.created_at', order: 'desc' },
      { column: 'i.id', order: 'desc' },
    ]);
}

export async function findInvitation(
  db: Knex,
  actor: Actor,
  group: Authorized<GroupRow>,
  id: string,
): Promise<InvitationRow | undefined> {
  if (!isUuid(id)) return undefined; // checked here, after the group's policy (fields.ts: innerRecordId)
  return listInvitations(db, actor, group).where('i.id', id).first<InvitationRow | undefined>();
}

/**
 * Cancels the invitation unless it has been accepted, even a moment ago by a concurrent join
 * (one conditional statement decides); false if it was. Cancelling twice keeps the first time.
 */
export async function cancelInvitation(db: Knex, invitation: Authorized<InvitationRow>): Promise<boolean> {
  const cancelled = await db('invitations')
    .where({ id: invitation.id })
    .whereNull('accepted_at')
    .update({ cancelled_at: db.raw('coalesce(cancelled_at, now())') });
  return cancelled === 1;
}
