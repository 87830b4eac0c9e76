// Personal API tokens (`Authorization: Token …`): shown once, kept as a SHA-256 digest, with
// an optional expiry (null: never), which API authentication checks in its lookup.
import type { Knex } from 'knex';
import { selectFirstPrepared } from '../db/prepared';
import { isUuid } from '../policies/ids';
import { generateToken, hashToken } from '../security/tokens';

export interface PersonalTokenRow {
  id: string;
  user_id: string;
  name: string;
  scope: string[];
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
}

const COLUMNS = ['id', 'user_id', 'name', 'scope', 'created_at', 'last_used_at', 'expires_at'];
const DAY_MS = 24 * 60 * 60 * 1000;

/** The lifetimes /account/tokens offers, in days (null: no expiry), as GitHub does. */
export const TOKEN_LIFETIME_CHOICES = [7, 30, 60, 90, null] as const;

export async function createPersonalToken(
  knex: Knex,
  userId: string,
  input: { name: string; scope: string[]; expiresInDays?: number | null },
): Promise<{ row: PersonalTokenRow; token: string }> {
  const token = generateToken('personal');
  const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * DAY_MS) : null;
  const [row] = await knex('personal_tokens')
    .insert({
      user_id: userId,
      name: input.name,
      scope: input.scope,
      token_hash: hashToken(token),
      expires_at: expiresAt,
    })
    .returning<PersonalTokenRow[]>(COLUMNS);
  return { row: row as PersonalTokenRow, token };
}

export function listPersonalTokens(knex: Knex, userId: string): Promise<PersonalTokenRow[]> {
  return knex('personal_tokens').where({ user_id: userId }).orderBy('created_at', 'desc').select(COLUMNS);
}

/** Deletes one of the user's tokens; 0 for another's, an unknown or a malformed id. */
export async function deletePersonalToken(knex: Knex, userId: string, id: string): Promise<number> {
  if (!isUuid(id)) return 0;
  return knex('personal_tokens').where({ id, user_id: userId }).del();
}

/** API authentication's lookup (by digest, a prepared statement): an expired token is as unknown as a wrong one. */
export function findUsablePersonalToken(
  knex: Knex,
  digest: string,
): Promise<Pick<PersonalTokenRow, 'id' | 'user_id' | 'scope' | 'last_used_at'> | undefined> {
  return selectFirstPrepared(
    knex,
    knex('personal_tokens')
      .where({ token_hash: digest })
      .where((q) => {
        q.whereNull('expires_at').orWhere('expires_at', '>', knex.fn.now());
      })
      .select('id', 'user_id', 'scope', 'last_used_at'),
  );
}

export async function markPersonalTokenUsed(knex: Knex, id: string): Promise<void> {
  await knex('personal_tokens').where({ id }).update({ last_used_at: knex.fn.now() });
}
