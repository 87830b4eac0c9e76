// Personal API tokens (`Authorization: Token …`): shown once, kept as a SHA-256 digest.
import type { Knex } from 'knex';
import { generateToken, hashToken } from '../security/tokens';

export interface PersonalTokenRow {
  id: string;
  user_id: string;
  name: string;
  scope: string[];
  created_at: Date;
  last_used_at: Date | null;
}

export async function createPersonalToken(knex: Knex, userId: string, input: { name: string; scope: string[] }): Promise<{ row: PersonalTokenRow; token: string }> {
  const token = generateToken('personal');
  const [row] = await knex('personal_tokens')
    .insert({ user_id: userId, name: input.name, scope: input.scope, token_hash: hashToken(token) })
    .returning(['id', 'user_id', 'name', 'scope', 'created_at', 'last_used_at']);
  return { row: row as PersonalTokenRow, token };
}

export function listPersonalTokens(knex: Knex, userId: string): Promise<PersonalTokenRow[]> {
  return knex('personal_tokens').where({ user_id: userId }).orderBy('created_at', 'desc').select('id', 'user_id', 'name', 'scope', 'created_at', 'last_used_at');
}

export function deletePersonalToken(knex: Knex, userId: string, id: string): Promise<number> {
  return knex('personal_tokens').where({ id, user_id: userId }).del();
}
