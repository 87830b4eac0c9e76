// Expired codes and tokens are purged (src/oauth/store.ts purgeExpired). Codes have had their
// expires_at index since 20261122000200; this one serves the tokens' filter. A token row is
// useful until its refresh token expires, or its access token when it has none: that moment
// is the indexed expression, written the same in the purge.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'create index oauth_tokens_useful_until_index on oauth_tokens ((coalesce(refresh_token_expires_at, access_token_expires_at)))',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index oauth_tokens_useful_until_index');
}
