// Data access of the authorization server: clients, codes, tokens, consents. Every secret is
// looked up by its SHA-256 digest through a unique index; every "use once" is a conditional
// UPDATE whose row count says whether this caller won.
import { selectFirstPrepared } from '../db/prepared';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { hashToken, tokenMatchesHash } from '../security/tokens';
import type { ClientRow } from './clients';

export const CODE_LIFETIME_SECONDS = 10 * 60;
export const ACCESS_TOKEN_LIFETIME_SECONDS = 60 * 60;
export const REFRESH_TOKEN_LIFETIME_SECONDS = 30 * 24 * 60 * 60;

export interface CodeRow {
  id: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  scope: string[];
  code_challenge: string | null;
  code_challenge_method: string | null;
  expires_at: Date;
  consumed_at: Date | null;
}

export interface TokenRow {
  id: string;
  family_id: string;
  client_id: string;
  user_id: string;
  scope: string[];
  access_token_expires_at: Date;
  refresh_token_expires_at: Date | null;
  authorization_code_id: string | null;
  refresh_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

export function findClientByClientId(knex: Knex, clientId: string): Promise<ClientRow | undefined> {
  return selectFirstPrepared<ClientRow>(knex, knex('oauth_clients').where({ client_id: clientId }).select('*'));
}

/** A confidential client's secret, compared in constant time against the stored digest. */
export function secretMatches(client: Pick<ClientRow, 'secret_hash'>, secret: string): boolean {
  return client.secret_hash !== null && tokenMatchesHash(secret, client.secret_hash);
}

export async function saveCode(knex: Knex, code: string, fields: Omit<CodeRow, 'id' | 'consumed_at'>): Promise<CodeRow> {
  const [row] = await knex('oauth_authorization_codes').insert({ ...fields, code_hash: hashToken(code) }).returning('*');
  return row as CodeRow;
}

export function findCode(knex: Knex, code: string): Promise<CodeRow | undefined> {
  return selectFirstPrepared<CodeRow>(knex, knex('oauth_authorization_codes').where({ code_hash: hashToken(code) }).select('*'));
}

/**
 * Reads and spends a code in one statement: the row if this call spent it; undefined when the
 * code is unknown or was spent before (a replay, or a concurrent redemption that won).
 */
export async function spendCode(knex: Knex, code: string): Promise<CodeRow | undefined> {
  const [row] = await knex('oauth_authorization_codes')
    .where({ code_hash: hashToken(code) })
    .whereNull('consumed_at')
    .update({ consumed_at: knex.fn.now() })
    .returning(['id', 'client_id', 'user_id', 'redirect_uri', 'scope', 'code_challenge', 'code_challenge_method', 'expires_at', 'consumed_at']);
  return row as CodeRow | undefined;
}

/** RFC 6749 §4.1.2: a replayed code revokes every token issued from it. */
export function revokeTokensOfCode(knex: Knex, codeId: string): Promise<number> {
  return knex('oauth_tokens').where({ authorization_code_id: codeId }).whereNull('revoked_at').update({ revoked_at: knex.fn.now() });
}

export interface IssuedToken {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken?: string;
  refreshTokenExpiresAt?: Date;
  scope: string[];
}

export async function saveToken(
  knex: Knex,
  token: IssuedToken,
  link: { clientId: string; userId: string; familyId?: string; authorizationCodeId?: string },
): Promise<void> {
  await knex('oauth_tokens').insert({
      access_token_hash: hashToken(token.accessToken),
      access_token_expires_at: token.accessTokenExpiresAt,
      refresh_token_hash: token.refreshToken ? hashToken(token.refreshToken) : null,
      refresh_token_expires_at: token.refreshToken ? token.refreshTokenExpiresAt : null,
      family_id: link.familyId ?? randomUUID(),
      client_id: link.clientId,
      user_id: link.userId,
      scope: token.scope,
    authorization_code_id: link.authorizationCodeId ?? null,
  });
}

export function findTokenByAccessToken(knex: Knex, accessToken: string): Promise<TokenRow | undefined> {
  return selectFirstPrepared<TokenRow>(knex, knex('oauth_tokens').where({ access_token_hash: hashToken(accessToken) }).select('*'));
}

export function findTokenByRefreshToken(knex: Knex, refreshToken: string): Promise<TokenRow | undefined> {
  return selectFirstPrepared<TokenRow>(knex, knex('oauth_tokens').where({ refresh_token_hash: hashToken(refreshToken) }).select('*'));
}

export type ClientCheck = Pick<ClientRow, 'id' | 'client_id' | 'client_type' | 'secret_hash'>;
export type TokenWithOwner = TokenRow & { client_public_id: string; email: string; kind: 'access_token' | 'refresh_token' };

/**
 * For /oauth/revoke and /oauth/introspect: the calling client and the token it names (access or
 * refresh, by either digest's unique index), with the token's client and user, in one
 * statement. `client` is undefined for an unknown client_id; `token` for an unknown token.
 */
export async function findClientWithToken(knex: Knex, clientId: string, token: string): Promise<{ client?: ClientCheck; token?: TokenWithOwner }> {
  const digest = hashToken(token);
  const row = await selectFirstPrepared<Record<string, unknown>>(
    knex,
    knex('oauth_clients as caller')
      .leftJoin('oauth_tokens as t', (on) => on.onVal('t.access_token_hash', digest).orOnVal('t.refresh_token_hash', digest))
      .leftJoin('oauth_clients as c', 'c.id', 't.client_id')
      .leftJoin('users as u', 'u.id', 't.user_id')
      .where('caller.client_id', clientId)
      .select(
        'caller.id as caller_id',
        'caller.client_type as caller_type',
        'caller.secret_hash as caller_secret_hash',
        't.*',
        'c.client_id as client_public_id',
        'u.email',
      ),
  );
  if (!row) return {};
  const { caller_id, caller_type, caller_secret_hash, ...tokenColumns } = row;
  const client = { id: caller_id, client_id: clientId, client_type: caller_type, secret_hash: caller_secret_hash } as ClientCheck;
  if (tokenColumns.id === null) return { client };
  const kind = tokenColumns.access_token_hash === digest ? 'access_token' : 'refresh_token';
  return { client, token: { ...(tokenColumns as unknown as TokenRow & { client_public_id: string; email: string }), kind } };
}

/** Spends a refresh token; false when it was already spent or revoked. */
export async function rotateRefreshToken(knex: Knex, tokenId: string): Promise<boolean> {
  const count = await knex('oauth_tokens')
    .where({ id: tokenId })
    .whereNull('refresh_used_at')
    .whereNull('revoked_at')
    .update({ refresh_used_at: knex.fn.now() });
  return count === 1;
}

/** RFC 9700 §4.14.2: reuse of a rotated refresh token revokes every token of its family. */
export function revokeFamily(knex: Knex, familyId: string): Promise<number> {
  return knex('oauth_tokens').where({ family_id: familyId }).whereNull('revoked_at').update({ revoked_at: knex.fn.now() });
}

export function revokeToken(knex: Knex, tokenId: string): Promise<number> {
  return knex('oauth_tokens').where({ id: tokenId }).whereNull('revoked_at').update({ revoked_at: knex.fn.now() });
}

export function isAccessTokenActive(token: TokenRow, now = new Date()): boolean {
  return token.revoked_at === null && token.access_token_expires_at > now;
}

export function isRefreshTokenActive(token: TokenRow, now = new Date()): boolean {
  return token.revoked_at === null && token.refresh_used_at === null && token.refresh_token_expires_at !== null && token.refresh_token_expires_at > now;
}

// --- Purging -----------------------------------------------------------------------------------

/**
 * How long expired codes and tokens are kept. A day of grace keeps a replayed code or a
 * rotated refresh token recognisable (and its family revocable) for a day after it could last
 * have been used; a rotated refresh token is kept until its own expiry, like every token row.
 */
export const PURGE_AFTER = '1 day';
const PURGE_BATCH = 5000;

/**
 * Deletes codes and token rows a day past their expiry, in batches of short statements (each
 * served by an index: the codes' expires_at, the tokens' oauth_tokens_useful_until_index),
 * tokens first: they reference codes. Without it both tables only grow, and the token endpoint slowed eightfold on the bench once
 * their random-keyed indexes no longer stayed in memory.
 */
export async function purgeExpired(knex: Knex, batch = PURGE_BATCH): Promise<{ tokens: number; codes: number }> {
  const purge = async (table: string, usefulUntil: string) => {
    let total = 0;
    for (;;) {
      const expired = knex(table).select('id').whereRaw(`${usefulUntil} < now() - ?::interval`, [PURGE_AFTER]).limit(batch);
      const deleted = await knex(table).whereIn('id', expired).del();
      total += deleted;
      if (deleted < batch) return total;
    }
  };
  const tokens = await purge('oauth_tokens', 'coalesce(refresh_token_expires_at, access_token_expires_at)');
  const codes = await purge('oauth_authorization_codes', 'expires_at');
  return { tokens, codes };
}

// --- Consents ---------------------------------------------------------------------------------

export async function findConsent(knex: Knex, userId: string, clientId: string): Promise<{ scope: string[] } | undefined> {
  return knex('oauth_consents').where({ user_id: userId, client_id: clientId }).first('scope');
}

/** Records a grant, widening an earlier one (scopes only ever add up until revoked). */
export async function saveConsent(knex: Knex, userId: string, clientId: string, scope: string[]): Promise<void> {
  await knex.raw(
    `insert into oauth_consents (user_id, client_id, scope) values (?, ?, ?::text[])
     on conflict (user_id, client_id) do update
       set scope = (select array_agg(distinct s order by s) from unnest(oauth_consents.scope || excluded.scope) as s),
           updated_at = now()`,
    [userId, clientId, scope],
  );
}

/** Revoking an app: its consent goes, and every token it holds for the user is revoked. */
export async function revokeAuthorization(knex: Knex, userId: string, clientId: string): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx('oauth_consents').where({ user_id: userId, client_id: clientId }).del();
    await trx('oauth_tokens').where({ user_id: userId, client_id: clientId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
  });
}
