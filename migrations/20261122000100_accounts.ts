// People and their browser sessions.
import type { Knex } from 'knex';
import { lengthCheck, timestamps, uuidPrimaryKey } from '../src/db/migration-helpers';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    uuidPrimaryKey(knex, t);
    t.text('email').notNullable();
    t.text('password_hash').notNullable();
    t.text('first_name').notNullable();
    t.text('last_name').notNullable();
    t.text('location').notNullable().defaultTo('');
    t.text('bio').notNullable().defaultTo('');
    t.text('mobile').notNullable().defaultTo('');
    t.text('timezone').notNullable().defaultTo('UTC');
    t.boolean('sms_notify').notNullable().defaultTo(false);
    timestamps(knex, t);
    t.check(lengthCheck('first_name', 1, 100), [], 'users_first_name_length');
    t.check(lengthCheck('last_name', 1, 100), [], 'users_last_name_length');
    t.check(lengthCheck('email', 3, 254), [], 'users_email_length');
    t.check('char_length(bio) <= 5000', [], 'users_bio_length');
  });
  // One account per address, whatever its case (login looks up lower(email)).
  await knex.raw('create unique index users_email_lower_unique on users (lower(email))');
  // GET /users orders by last name, first name, case-insensitively, in collation "C" so that
  // both databases agree whatever the server's locale (queries must use the same expression).
  await knex.raw(
    'create index users_name_order_index on users ((lower(last_name) collate "C"), (lower(first_name) collate "C"), id)',
  );

  // express-session rows (knex-backed store, so both database modes share one implementation).
  await knex.schema.createTable('sessions', (t) => {
    t.text('sid').primary();
    t.jsonb('sess').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable().index(); // pruning
    t.uuid('user_id').references('id').inTable('users').onDelete('CASCADE').index(); // "log out everywhere"
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sessions');
  await knex.schema.dropTable('users');
}
