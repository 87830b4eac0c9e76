// Creating and finding accounts. Emails are unique case-insensitively (lower(email) index).
import type { Knex } from 'knex';
import { z } from 'zod';
import { hashPassword } from '../security/passwords';

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  first_name: string;
  last_name: string;
  location: string;
  bio: string;
  mobile: string;
  timezone: string;
  sms_notify: boolean;
  /** Null until the person follows the link mailed at sign-up (SPEC §7). */
  email_verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const name = z.string().trim().min(1, 'must not be blank').max(100, 'must be at most 100 characters');

export const newUserSchema = z.object({
  email: z.string().trim().max(254, 'must be at most 254 characters').pipe(z.email('must be an email address')),
  password: z.string().min(8, 'must be at least 8 characters').max(1000, 'must be at most 1000 characters'),
  first_name: name,
  last_name: name,
});

export type NewUser = z.output<typeof newUserSchema>;

/** `verified`: the CLI's and the demo's people (an operator vouches for them); sign-up's are not. */
export async function createUser(knex: Knex, user: NewUser, { verified = false } = {}): Promise<UserRow> {
  const [row] = await knex<UserRow>('users')
    .insert({
      email_verified_at: verified ? new Date() : null,
      email: user.email,
      password_hash: await hashPassword(user.password),
      first_name: user.first_name,
      last_name: user.last_name,
    })
    .returning('*');
  return row as UserRow;
}

/** A unique violation (SQLSTATE 23505): the address was taken by a concurrent sign-up or change. */
export const isUniqueViolation = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';

export async function findUserByEmail(knex: Knex, email: string): Promise<UserRow | undefined> {
  return knex<UserRow>('users').whereRaw('lower(email) = lower(?)', [email.trim()]).first();
}

/** The columns a signed-in session carries (passport's deserializeUser). */
export const SESSION_USER_COLUMNS = ['id', 'email', 'first_name', 'last_name'] as const;
export type SessionUserRow = Pick<UserRow, (typeof SESSION_USER_COLUMNS)[number]>;

export function findSessionUser(knex: Knex, id: string): Promise<SessionUserRow | undefined> {
  return knex<UserRow>('users')
    .where({ id })
    .first(...SESSION_USER_COLUMNS);
}
