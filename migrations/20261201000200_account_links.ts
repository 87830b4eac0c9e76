// Accounts people can trust (SPEC §7): a verified email, and the single-use links mailed for
// verification, password reset and email change. A link is kept as the SHA-256 digest of its
// 256-bit token (like codes), spent by one `UPDATE … RETURNING`.
//
// Accounts made before verification existed count as verified (their owners signed up when no
// link was sent; locking them out of approving apps now would punish them for our order of work).
import type { Knex } from 'knex';
import { uuidPrimaryKey } from '../src/db/migration-helpers';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('email_verified_at', { useTz: true }).nullable();
  });
  await knex('users').update({ email_verified_at: knex.fn.now() });
  await knex.schema.createTable('account_links', (t) => {
    uuidPrimaryKey(knex, t);
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('purpose').notNullable();
    t.text('token_hash').notNullable().unique();
    // change_email: the address to verify (the account keeps its old one until then).
    t.text('new_email').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true }).nullable();
    t.index(['user_id', 'purpose']);
    t.index(['expires_at']); // the background purge
  });
  await knex.raw(
    "alter table account_links add constraint account_links_purpose_check check (purpose in ('verify_email', 'reset_password', 'change_email'))",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('account_links');
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('email_verified_at');
  });
}
