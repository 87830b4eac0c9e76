// Groups as the API shows them (SPEC §5); the reusable join code only to the group's admins.
import type { Role } from '../../../policies/rules';
import { z } from 'zod';
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
    invitation_code: z.string().optional().meta({ description: 'The reusable join code (POST /groups/join); to admins only.' }),
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
}

export function presentGroup(group: GroupRow): z.output<typeof groupView> {
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    role: group.role,
    member_count: Number(group.member_count),
    created_at: iso(group.created_at),
    ...(group.role === 'admin' ? { invitation_code: group.invitation_code } : {}),
  };
}
