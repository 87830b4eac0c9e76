// Reading and replacing a user's password hash (SPEC §7: password reset and change). The pages
// hash outside their transaction (argon2id takes tens of milliseconds) and store it here.
import type { Knex } from 'knex';
import { verifyPassword } from '../security/passwords';

/** Whether `password` is the user's current one (the password-change form). */
export async function isCurrentPassword(db: Knex, userId: string, password: string): Promise<boolean> {
  const row = await db('users').where({ id: userId }).first<{ password_hash: string } | undefined>('password_hash');
  return row !== undefined && (await verifyPassword(row.password_hash, password));
}

/** Replaces the user's password hash; false when there is no such user. */
export async function setPasswordHash(db: Knex, userId: string, passwordHash: string): Promise<boolean> {
  const updated = await db('users')
    .where({ id: userId })
    .update({ password_hash: passwordHash, updated_at: db.fn.now() });
  return updated === 1;
}
