// Users as the API shows them (SPEC §5): an allow-list; private fields only to oneself; the
// member's `role` when the list is one group's members.
import type { UserRow } from '../../../users/users';
import { displayName, iso } from '../fields';

export type PresentableUser = Omit<UserRow, 'password_hash'> & { role?: string };

export function presentUser(user: PresentableUser, { self }: { self: boolean }) {
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
