// The authorization server's state. Every code, token and secret is stored as a SHA-256
// digest (they are 256-bit random values); lookups go through the unique digest indexes.
import type { Knex } from 'knex';
import { lengthCheck, timestamps, uuidPrimaryKey } from '../src/db/migration-helpers';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('oauth_clients', (t) => {
    uuidPrimaryKey(knex, t);
    t.text('client_id').notNullable().unique(); // public identifier sent by the client
    t.text('name').notNullable();
    // A developer's apps go with the developer; operator-made (CLI) clients have no owner.
    t.uuid('owner_id').references('id').inTable('users').onDelete('CASCADE').index();
    t.text('client_type').notNullable();
    t.text('secret_hash');
    t.specificType('redirect_uris', 'text[]').notNullable();
    timestamps(knex, t);
    t.check(lengthCheck('name', 1, 100), [], 'oauth_clients_name_length');
    t.check("client_type in ('confidential', 'public')", [], 'oauth_clients_type_valid');
    // Confidential clients have a secret, public clients never do.
    t.check("(client_type = 'public') = (secret_hash is null)", [], 'oauth_clients_secret_matches_type');
    t.check('cardinality(redirect_uris) >= 1', [], 'oauth_clients_has_redirect_uri');
  });

  await knex.schema.createTable('oauth_authorization_codes', (t) => {
    uuidPrimaryKey(knex, t);
    t.text('code_hash').notNullable().unique();
    t.uuid('client_id').notNullable().references('id').inTable('oauth_clients').onDelete('CASCADE').index();
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE').index();
    t.text('redirect_uri').notNullable();
    t.specificType('scope', 'text[]').notNullable();
    t.text('code_challenge');
    t.text('code_challenge_method');
    t.timestamp('expires_at', { useTz: true }).notNullable().index(); // pruning
    t.timestamp('consumed_at', { useTz: true }); // set on first use; a second use is a replay
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check("code_challenge_method is null or code_challenge_method = 'S256'", [], 'oauth_codes_pkce_s256_only');
    t.check('(code_challenge is null) = (code_challenge_method is null)', [], 'oauth_codes_pkce_complete');
  });

  await knex.schema.createTable('oauth_tokens', (t) => {
    uuidPrimaryKey(knex, t);
    t.text('access_token_hash').notNullable().unique();
    t.timestamp('access_token_expires_at', { useTz: true }).notNullable();
    t.text('refresh_token_hash').unique();
    t.timestamp('refresh_token_expires_at', { useTz: true });
    // Every token minted by rotating one refresh token shares its family: reuse of a rotated
    // refresh token revokes the whole family.
    t.uuid('family_id').notNullable().index();
    t.uuid('client_id').notNullable().references('id').inTable('oauth_clients').onDelete('CASCADE').index();
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.specificType('scope', 'text[]').notNullable();
    // A replayed code revokes the tokens issued from it.
    t.uuid('authorization_code_id').references('id').inTable('oauth_authorization_codes').onDelete('SET NULL').index();
    t.timestamp('refresh_used_at', { useTz: true }); // rotated: the refresh token is spent
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id', 'client_id']); // account page: revoke an app's tokens
    t.check('(refresh_token_hash is null) = (refresh_token_expires_at is null)', [], 'oauth_tokens_refresh_complete');
  });

  await knex.schema.createTable('oauth_consents', (t) => {
    uuidPrimaryKey(knex, t);
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.uuid('client_id').notNullable().references('id').inTable('oauth_clients').onDelete('CASCADE').index();
    t.specificType('scope', 'text[]').notNullable();
    timestamps(knex, t);
    t.unique(['user_id', 'client_id']);
  });

  await knex.schema.createTable('personal_tokens', (t) => {
    uuidPrimaryKey(knex, t);
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE').index();
    t.text('name').notNullable();
    t.text('token_hash').notNullable().unique();
    t.specificType('scope', 'text[]').notNullable();
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(lengthCheck('name', 1, 100), [], 'personal_tokens_name_length');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('personal_tokens');
  await knex.schema.dropTable('oauth_consents');
  await knex.schema.dropTable('oauth_tokens');
  await knex.schema.dropTable('oauth_authorization_codes');
  await knex.schema.dropTable('oauth_clients');
}
