// Data access for /api/v1/users. Reads go through visibleUsers(); the one write takes the
// authorized record.
import type { Knex } from 'knex';
import type { Actor } from '../../../policies/actor';
import type { Authorized } from '../../../policies/authorize';
import { sharingSince, visibleUsers } from '../../../policies/scopes';
import type { PresentableUser } from './presenter';

const COLUMNS = [
  'id',
  'email',
  'first_name',
  'last_name',
  'location',
  'bio',
  'mobile',
  'timezone',
  'sms_notify',
  'created_at',
  'updated_at',
  'version',
];
const USER_COLUMNS = COLUMNS.map((column) => `u.${column}`);

/**
 * You and your mutual members, or (`groupId`, a group already authorized) its members with their
 * role. `updatedSince` (delta sync): changed at or after that time, came into your view then, or
 * (with `groupId`) their role there changed then.
 */
export function listUsers(
  db: Knex,
  actor: Actor,
  { groupId, updatedSince }: { groupId?: string; updatedSince?: string } = {},
): Knex.QueryBuilder {
  const query = visibleUsers(db, actor).select(USER_COLUMNS);
  if (groupId)
    query
      .join('memberships as gm', (on) => on.on('gm.user_id', '=', 'u.id').andOnVal('gm.group_id', '=', groupId))
      .select('gm.role');
  if (updatedSince !== undefined)
    query.where((changed) => {
      changed.where('u.updated_at', '>=', updatedSince).orWhereExists(sharingSince(db, actor, updatedSince, 'u.id'));
      if (groupId) changed.orWhere('gm.updated_at', '>=', updatedSince);
    });
  // The same expressions as users_name_order_index.
  return query.orderByRaw('lower(u.last_name) collate "C", lower(u.first_name) collate "C", u.id');
}

/**
 * You or a mutual member (`id` a path parameter, already a uuid, or your own). `lock` (changing
 * your profile) takes the row's lock: FOR NO KEY UPDATE, so the foreign-key checks of writes
 * that name the user go on meanwhile.
 */
export async function findUser(
  db: Knex,
  actor: Actor,
  id: string,
  { lock = false } = {},
): Promise<PresentableUser | undefined> {
  const query = visibleUsers(db, actor).where('u.id', id).first<PresentableUser | undefined>(USER_COLUMNS);
  if (lock) query.forNoKeyUpdate('u');
  return query;
}

export async function updateUser(
  db: Knex,
  user: Authorized<PresentableUser>,
  changes: Partial<PresentableUser>,
): Promise<PresentableUser> {
  if (Object.keys(changes).length === 0) return user;
  const [updated] = await db('users')
    .where({ id: user.id })
    .update({ ...changes, updated_at: db.fn.now() })
    .returning<PresentableUser[]>(COLUMNS);
  return updated as PresentableUser;
}
