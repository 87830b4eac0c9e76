// Users as the API shows them (SPEC §5): an allow-list; private fields only to oneself; the
// member's `role` when the list is one group's members.
import type { UserRow } from '../../../users/users';
import { z } from 'zod';
import { viewTag, type Version } from '../../../http/conditional';
import type { Role } from '../../../policies/rules';
import { displayName } from '../../../users/display-name';
import { iso } from '../fields';
import { id, named, timestamp } from '../views';

export const userView = named(
  'User',
  z.strictObject({
    id,
    first_name: z.string(),
    last_name: z.string(),
    display_name: z.string(),
    email: z.string(),
    location: z.string(),
    bio: z.string(),
    mobile: z.string(),
    created_at: timestamp,
    role: z
      .enum(['admin', 'member'])
      .optional()
      .meta({ description: 'Their role in the group, in GET /users?group_id= only.' }),
    timezone: z.string().optional().meta({ description: 'IANA time zone; to yourself only.' }),
    sms_notify: z.boolean().optional().meta({ description: 'To yourself only.' }),
    updated_at: timestamp.optional().meta({ description: 'To yourself only.' }),
  }),
);

export type PresentableUser = Omit<UserRow, 'password_hash'> & { role?: Role; version: Version };

/** The ETag of presentUser's view: the user's version, and whether it is the caller's own (private fields). */
export function userTag(user: PresentableUser, { self }: { self: boolean }): string {
  return viewTag(['user', user.id, user.version, self]);
}

export function presentUser(user: PresentableUser, { self }: { self: boolean }): z.output<typeof userView> {
  return {
    id: user.id,
    first_name: user.first_name,
    last_name: user.last_name,
    display_name: displayName(user.first_name, user.last_name),
    email: user.email,
    location: user.location,
    bio: user.bio,
    mobile: user.mobile,
    created_at: iso(user.created_at),
    ...(user.role !== undefined ? { role: user.role } : {}),
    ...(self ? { timezone: user.timezone, sms_notify: user.sms_notify, updated_at: iso(user.updated_at) } : {}),
  };
}
