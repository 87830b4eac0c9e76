// Email invitations to a group (SPEC §5): a single-use code, shown once to the admin who
// makes it and stored as a digest. Sending the email is not SeatShare's job (yet): the API
// returns the code and a join URL for the admin to pass on.
import type { Knex } from 'knex';
import type { Actor } from '../../../policies/actor';
import type { Authorized } from '../../../policies/authorize';
import { isUuid } from '../../../policies/ids';
import { visibleGroups } from '../../../policies/scopes';
import { generateToken, hashToken } from '../../../security/tokens';
import { z } from 'zod';
import { iso } from '../fields';
import { id, named, timestamp } from '../views';
import type { GroupRow } from './presenter';

export const INVITATION_DAYS = 14;

export interface InvitationRow {
  id: string;
  email: string;
  accepted_at: Date | null;
  cancelled_at: Date | null;
  expires_at: Date;
  created_at: Date;
}

const COLUMNS = ['id', 'email', 'accepted_at', 'cancelled_at', 'expires_at', 'created_at'];

export async function createInvitation(db: Knex, actor: Actor, group: Authorized<GroupRow>, email: string): Promise<{ invitation: InvitationRow; code: string }> {
  const code = generateToken('invitation');
  const [invitation] = await db('invitations')
    .insert({
      group_id: group.id,
      email,
      code_hash: hashToken(code),
      invited_by_id: actor.userId,
      expires_at: new Date(Date.now() + INVITATION_DAYS * 24 * 60 * 60 * 1000),
    })
    .returning(COLUMNS);
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

export async function findInvitation(db: Knex, actor: Actor, group: Authorized<GroupRow>, id: string): Promise<InvitationRow | undefined> {
  if (!isUuid(id)) return undefined;
  return listInvitations(db, actor, group).where('i.id', id).first();
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

export function invitationStatus(invitation: InvitationRow, now = new Date()): 'pending' | 'accepted' | 'cancelled' | 'expired' {
  if (invitation.accepted_at) return 'accepted';
  if (invitation.cancelled_at) return 'cancelled';
  return invitation.expires_at <= now ? 'expired' : 'pending';
}

export const invitationView = named(
  'Invitation',
  z.strictObject({
    id,
    email: z.string(),
    code: z.string().optional().meta({ description: 'The single-use code; in the reply to POST only (stored as a digest).' }),
    join_url: z.string().optional().meta({ description: 'Where the invitee joins with the code; in the reply to POST only.' }),
    status: z.enum(['pending', 'accepted', 'cancelled', 'expired']),
    created_at: timestamp,
    expires_at: timestamp,
  }),
);

export function presentInvitation(invitation: InvitationRow, shownOnce?: { code: string; joinUrl: string }): z.output<typeof invitationView> {
  return {
    id: invitation.id,
    email: invitation.email,
    ...(shownOnce ? { code: shownOnce.code, join_url: shownOnce.joinUrl } : {}),
    status: invitationStatus(invitation),
    created_at: iso(invitation.created_at),
    expires_at: iso(invitation.expires_at),
  };
}
