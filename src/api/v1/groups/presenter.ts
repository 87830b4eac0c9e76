// Groups as the API shows them (SPEC §5), with their memberships and invitations. The reusable
// join code only when the caller says so (`includeInvitationCode`: the route decides, by the
// caller's role, through the policy predicates).
import type { Role } from '../../../policies/rules';
import { z } from 'zod';
import { viewTag, type Version } from '../../../http/conditional';
import { iso } from '../fields';
import { id, named, timestamp } from '../views';

export const groupView = named(
  'Group',
  z.strictObject({
    id,
    name: z.string(),
    description: z.string(),
    role: z.enum(['admin', 'member']).meta({ description: 'Your role in the group.' }),
    member_count: z.number().int(),
    created_at: timestamp,
    invitation_code: z
      .string()
      .optional()
      .meta({ description: 'The reusable join code (POST /groups/join); to admins only.' }),
  }),
);

export interface GroupRow {
  id: string;
  name: string;
  description: string;
  invitation_code: string;
  role: Role; // the caller's
  member_count: number;
  created_at: Date;
  updated_at: Date;
  version: Version;
}

/**
 * The ETag of presentGroup's view, per caller: the group's version, the caller's role (which
 * also decides whether the join code is shown) and the member count.
 */
export function groupTag(group: GroupRow): string {
  return viewTag(['group', group.id, group.version, group.role, Number(group.member_count)]);
}

export function presentGroup(
  group: GroupRow,
  { includeInvitationCode }: { includeInvitationCode: boolean },
): z.output<typeof groupView> {
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    role: group.role,
    member_count: Number(group.member_count),
    created_at: iso(group.created_at),
    ...(includeInvitationCode ? { invitation_code: group.invitation_code } : {}),
  };
}

// --- Invitations ---------------------------------------------------------------------------

export interface InvitationRow {
  id: string;
  email: string;
  accepted_at: Date | null;
  cancelled_at: Date | null;
  expires_at: Date;
  created_at: Date;
}

export const invitationView = named(
  'Invitation',
  z.strictObject({
    id,
    email: z.string(),
    code: z
      .string()
      .optional()
      .meta({ description: 'The single-use code; in the reply to POST only (stored as a digest).' }),
    join_url: z
      .string()
      .optional()
      .meta({ description: 'Where the invitee joins with the code; in the reply to POST only.' }),
    status: z.enum(['pending', 'accepted', 'cancelled', 'expired']),
    created_at: timestamp,
    expires_at: timestamp,
  }),
);

export function invitationStatus(
  invitation: InvitationRow,
  now = new Date(),
): 'pending' | 'accepted' | 'cancelled' | 'expired' {
  if (invitation.accepted_at) return 'accepted';
  if (invitation.cancelled_at) return 'cancelled';
  return invitation.expires_at <= now ? 'expired' : 'pending';
}

/** `shownOnce`: the code and join URL, in the reply that creates the invitation only. */
export function presentInvitation(
  invitation: InvitationRow,
  shownOnce?: { code: string; joinUrl: string },
): z.output<typeof invitationView> {
  return {
    id: invitation.id,
    email: invitation.email,
    ...(shownOnce ? { code: shownOnce.code, join_url: shownOnce.joinUrl } : {}),
    status: invitationStatus(invitation),
    created_at: iso(invitation.created_at),
    expires_at: iso(invitation.expires_at),
  };
}

// --- Memberships ---------------------------------------------------------------------------

export const membershipView = named(
  'Membership',
  z.strictObject({ user_id: z.uuid(), role: z.enum(['admin', 'member']) }),
);

export function presentMembership(membership: { user_id: string; role: Role }): z.output<typeof membershipView> {
  return { user_id: membership.user_id, role: membership.role };
}
