// Users as the API shows them (SPEC §5): an allow-list; private fields only to oneself.
import type { UserRow } from '../../../users/users';

export function presentUser(user: UserRow, { self }: { self: boolean }) {
  return {
    id: user.id,
    first_name: user.first_name,
    last_name: user.last_name,
    display_name: `${user.first_name} ${user.last_name}`,
    email: user.email,
    location: user.location,
    bio: user.bio,
    mobile: user.mobile,
    created_at: user.created_at.toISOString(),
    ...(self ? { timezone: user.timezone, sms_notify: user.sms_notify, updated_at: user.updated_at.toISOString() } : {}),
  };
}
