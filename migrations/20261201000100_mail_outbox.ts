// Mail waits here until it is delivered (SPEC §7): a row is inserted in the transaction of the
// change that causes it, so a rolled-back request sends nothing and a committed one cannot lose
// its mail. Bodies are rendered before they are stored: a queued message needs no template,
// no user row and no code change to be sent later.
//
// Delivery (src/mail/delivery.ts) claims due rows with a lease (`claimed_until`): a process that
// dies mid-send leaves a lease that runs out, and the row is tried again.
import type { Knex } from 'knex';
import { uuidPrimaryKey } from '../src/db/migration-helpers';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mail_outbox', (t) => {
    uuidPrimaryKey(knex, t);
    t.text('recipient').notNullable();
    t.text('subject').notNullable();
    t.text('text_body').notNullable();
    t.text('html_body').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('attempts').notNullable().defaultTo(0);
    // Null once delivery gave up (see GIVE_UP_AFTER in src/mail/delivery.ts) or once sent.
    t.timestamp('next_attempt_at', { useTz: true }).nullable().defaultTo(knex.fn.now());
    t.timestamp('claimed_until', { useTz: true }).nullable();
    t.timestamp('sent_at', { useTz: true }).nullable();
    t.text('last_error').nullable();
  });
  // The claim: unsent rows by due time. Partial, so sent mail (kept 30 days) never weighs on it.
  await knex.raw('create index mail_outbox_due_index on mail_outbox (next_attempt_at, id) where sent_at is null');
  // The purge: sent rows by age.
  await knex.raw('create index mail_outbox_sent_index on mail_outbox (sent_at) where sent_at is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mail_outbox');
}
