// Groups as the API shows them (SPEC §5); the reusable join code only to the group's admins.
import type { Role } from '../../../policies/rules';
import { iso } from '../fields';

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

export function presentGroup(group: GroupRow) {
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
