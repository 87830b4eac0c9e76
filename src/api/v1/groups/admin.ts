// Creating, deactivating and re-keying groups.
import type { Knex } from 'knex';
import { generateJoinCode } from '../../../groups/join-code';
import type { Actor } from '../../../policies/actor';
import type { Authorized } from '../../../policies/authorize';
import { recordGroupLost } from '../deletions/public';
import type { GroupRow } from './presenter';

/** A new group with the actor as its admin; returns its id. */
export async function createGroup(
  trx: Knex.Transaction,
  actor: Actor,
  fields: { name: string; description?: string },
): Promise<string> {
  const [group] = await trx('groups')
    .insert({ ...fields, invitation_code: generateJoinCode() })
    .returning<{ id: string }[]>('id');
  const { id } = group as { id: string };
  await trx('memberships').insert({ group_id: id, user_id: actor.userId, role: 'admin' });
  return id;
}

/**
 * Deactivated groups and everything in them disappear from the API (the scopes skip them); every
 * member gets a tombstone for the group (delta sync), in the same transaction.
 */
export async function deactivateGroup(trx: Knex.Transaction, group: Authorized<GroupRow>): Promise<void> {
  await trx('groups').where({ id: group.id }).update({ deactivated_at: trx.fn.now(), updated_at: trx.fn.now() });
  await recordGroupLost(trx, group.id, 'every member');
}

/** A new reusable join code; the old one stops working. */
export async function replaceJoinCode(db: Knex, group: Authorized<GroupRow>): Promise<void> {
  await db('groups').where({ id: group.id }).update({ invitation_code: generateJoinCode(), updated_at: db.fn.now() });
}
