// Idempotency keys (SPEC §8): a POST of the API sent with `Idempotency-Key` is done once per key
// and user for 24 hours (src/http/idempotency.ts). One row per (user, key), in the database so
// every instance sees the same claims:
//   - in progress: `response_status` null; `claim` names the request working on it, and
//     `locked_until` ends its lease (a process that died mid-request leaves a row another
//     request may take over after the lease, instead of a key stuck for a day);
//   - done: the response as it was sent (status, the replayed headers, the body as text, so a
//     replay is byte for byte the first answer).
// The body may hold secrets (a new join code, an invitation's single-use code): the row is the
// user's alone (the API reads it only for its user), goes with the account (ON DELETE CASCADE)
// and is purged a day after it was made (the created_at index, src/background.ts).
import type { Knex } from 'knex';
import { lengthCheck, uuidPrimaryKey } from '../src/db/migration-helpers';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('idempotency_keys', (t) => {
    uuidPrimaryKey(knex, t);
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('key').notNullable();
    t.text('fingerprint').notNullable(); // SHA-256 of method, path and the canonical JSON body
    t.uuid('claim').notNullable();
    t.timestamp('locked_until', { useTz: true }).notNullable();
    t.integer('response_status').nullable();
    t.jsonb('response_headers').nullable();
    t.text('response_body').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true }).nullable();
    t.unique(['user_id', 'key'], { indexName: 'idempotency_keys_user_id_key_unique' });
    t.index(['created_at'], 'idempotency_keys_created_at_index'); // the background purge
  });
  await knex.raw(
    `alter table idempotency_keys add constraint idempotency_keys_key_check check (${lengthCheck('key', 1, 255)})`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('idempotency_keys');
}
