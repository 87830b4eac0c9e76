// Data access for /api/v1/user_aliases. Reads go through visibleAliases(); writes take the
// authorized record (or, to create, the actor: an alias is always the actor's own).
import type { Knex } from 'knex';
import type { Actor } from '../../../policies/actor';
import type { Authorized } from '../../../policies/authorize';
import { visibleAliases, sharingSince } from '../../../policies/scopes';
import { recordAliasTombstone } from '../deletions/public';
import type { AliasRow } from './presenter';

const COLUMNS = ['id', 'user_id', 'first_name', 'last_name', 'version'];
const ALIAS_COLUMNS = COLUMNS.map((column) => `a.${column}`);

/**
 * Yours and your mutual members', by name. `updatedSince` (delta sync): changed at or after that
 * time, or their owner came into your view then.
 */
export function listAliases(
  db: Knex,
  actor: Actor,
  { updatedSince }: { updatedSince?: string } = {},
): Knex.QueryBuilder {
  const query = visibleAliases(db, actor).select(ALIAS_COLUMNS);
  if (updatedSince !== undefined)
    query.where((changed) => {
      changed
        .where('a.updated_at', '>=', updatedSince)
        .orWhereExists(sharingSince(db, actor, updatedSince, 'a.user_id'));
    });
  return query.orderByRaw('lower(a.last_name) collate "C", lower(a.first_name) collate "C", a.id');
}

/** One alias you can see (`id` a path parameter, already a uuid); `lock` takes its row lock to change it. */
export async function findAlias(
  db: Knex,
  actor: Actor,
  id: string,
  { lock = false } = {},
): Promise<AliasRow | undefined> {
  const query = visibleAliases(db, actor).where('a.id', id).first<AliasRow | undefined>(ALIAS_COLUMNS);
  if (lock) query.forUpdate('a');
  return query;
}

export async function createAlias(
  db: Knex,
  actor: Actor,
  alias: Pick<AliasRow, 'first_name' | 'last_name'>,
): Promise<AliasRow> {
  const [created] = await db('user_aliases')
    .insert({ ...alias, user_id: actor.userId })
    .returning<AliasRow[]>(COLUMNS);
  return created as AliasRow;
}

export async function updateAlias(
  db: Knex,
  alias: Authorized<AliasRow>,
  changes: Partial<AliasRow>,
): Promise<AliasRow> {
  if (Object.keys(changes).length === 0) return alias;
  const [updated] = await db('user_aliases')
    .where({ id: alias.id })
    .update({ ...changes, updated_at: db.fn.now() })
    .returning<AliasRow[]>(COLUMNS);
  return updated as AliasRow;
}

/** Deletes the alias; tickets that used it lose it, and each such change is recorded in their history. */
export async function deleteAlias(trx: Knex.Transaction, actor: Actor, alias: Authorized<AliasRow>): Promise<void> {
  await trx.raw(
    `insert into ticket_history (ticket_id, group_id, actor_id, action, changes)
     select id, group_id, ?, 'updated', ?::jsonb from tickets where alias_id = ?`,
    [actor.userId, JSON.stringify({ alias_id: [alias.id, null] }), alias.id],
  );
  await trx('tickets').where({ alias_id: alias.id }).update({ alias_id: null, updated_at: trx.fn.now() });
  await recordAliasTombstone(trx, alias);
  await trx('user_aliases').where({ id: alias.id }).delete();
}
