// A personal token may carry an expiry (SPEC §2, issue #14): chosen when it is made (on
// /account/tokens, or `expires_in_days` at POST /api/authenticate/); null never expires, as
// every token made before this did. API authentication refuses a token past it.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('personal_tokens', (t) => {
    t.timestamp('expires_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('personal_tokens', (t) => {
    t.dropColumn('expires_at');
  });
}
