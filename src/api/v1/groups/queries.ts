// Data access for /api/v1/groups. Reads go through visibleGroups(); writes take the
// authorized record.
import type { Knex } from 'knex';
import type { Actor } from '../../../policies/actor';
import type { Authorized } from '../../../policies/authorize';
import { isUuid } from '../../../policies/ids';
import { visibleGroups } from '../../../policies/scopes';
import type { GroupRow } from './presenter';

function groupColumns(db: Knex) {
  return [
    'g.id',
    'g.name',
    'g.description',
    'g.invitation_code',
    'g.created_at',
    'g.updated_at',
    'g.version',
    'm.role',
    // One index probe per group on memberships (group_id, user_id); a page holds few groups.
    db.raw('(select count(*) from memberships as mc where mc.group_id = g.id) as member_count'),
  ];
}

/**
 * Your groups, by name. `updatedSince` (delta sync): the group changed at or after that time, or
 * what you see of it did: you joined it or your role changed, or its member_count (someone
 * joined, or left: their tombstone, deletions (group_id, deleted_at)).
 */
export function listGroups(
  db: Knex,
  actor: Actor,
  { updatedSince }: { updatedSince?: string } = {},
): Knex.QueryBuilder {
  const query = visibleGroups(db, actor).select(groupColumns(db));
  if (updatedSince !== undefined)
    query.where((changed) => {
      changed
        .where('g.updated_at', '>=', updatedSince)
        .orWhere('m.updated_at', '>=', updatedSince)
        .orWhereRaw('exists (select 1 from memberships as mj where mj.group_id = g.id and mj.created_at >= ?)', [
          updatedSince,
        ])
        .orWhereRaw(
          'exists (select 1 from deletions as dl where dl.group_id = g.id and dl.deleted_at >= ? and dl.user_id is not null)',
          [updatedSince],
        );
    });
  return query.orderByRaw('lower(g.name) collate "C", g.id');
}

/**
 * One of your groups. `lock` (membership changes) locks the group's row and your membership:
 * role changes and departures in a group run one at a time, and your role is read after any
 * change that was waited for. FOR NO KEY UPDATE, not FOR UPDATE: the foreign-key checks of
 * ticket writes (KEY SHARE) go on meanwhile instead of queueing behind it.
 */
export async function findGroup(
  db: Knex,
  actor: Actor,
  id: string,
  { lock = false } = {},
): Promise<GroupRow | undefined> {
  // Not only path parameters: `group_id` in queries and bodies is any string.
  if (!isUuid(id)) return undefined;
  const query = visibleGroups(db, actor).where('g.id', id).first<GroupRow | undefined>(groupColumns(db));
  if (lock) query.forNoKeyUpdate('g', 'm');
  return query;
}

export async function updateGroup(
  db: Knex,
  group: Authorized<GroupRow>,
  changes: Partial<Pick<GroupRow, 'name' | 'description'>>,
): Promise<GroupRow> {
  if (Object.keys(changes).length === 0) return group;
  const [updated] = await db('groups')
    .where({ id: group.id })
    .update({ ...changes, updated_at: db.fn.now() })
    .returning<Pick<GroupRow, 'name' | 'description' | 'updated_at' | 'version'>[]>([
      'name',
      'description',
      'updated_at',
      'version',
    ]);
  return { ...group, ...updated };
}
