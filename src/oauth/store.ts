// Data access of the authorization server: clients, codes, tokens, consents. Every secret is
// looked up by its SHA-256 digest through a unique index; every "use once" is a conditional
// UPDATE whose row count says whether this caller won.
import { rawPrepared } from '../db/prepared';
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
  /** When the family's first token was issued (copied on every rotation). */
  family_started_at: Date;
}

// The token endpoints' reads, every request: constant SQL texts sent as named statements
// (rawPrepared), not built by knex's query builder on every call (its compiling was ~5 % of
// an introspection's CPU in bench:profile).
const CLIENT_BY_CLIENT_ID = 'select * from oauth_clients where client_id = ? limit 1';
const CODE_BY_DIGEST = 'select * from oauth_authorization_codes where code_hash = ? limit 1';
const ACTIVE_ACCESS_TOKEN = `select id, user_id, scope from oauth_tokens
  where access_token_hash = ? and revoked_at is null and access_token_expires_at > now() limit 1`;
const TOKEN_BY_REFRESH_DIGEST = 'select * from oauth_tokens where refresh_token_hash = ? limit 1';
// The calling client and the token it names (access or refresh, by either digest's unique
// index), with the token's client and user.
const CLIENT_WITH_TOKEN = `select caller.id as caller_id, caller.client_type as caller_type,
         caller.secret_hash as caller_secret_hash, t.*, c.client_id as client_public_id, u.email
    from oauth_clients as caller
    left join oauth_tokens as t on t.access_token_hash = ? or t.refresh_token_hash = ?
    left join oauth_clients as c on c.id = t.client_id
    left join users as u on u.id = t.user_id
   where caller.client_id = ? limit 1`;

// A token request's client and the code or refresh token it presents, in one statement (the
// library asks for them one after the other: a round trip saved per exchange). The client's
// columns are prefixed; the grant's are whole, null when it names nothing.
const CLIENT_COLUMNS = `c.id as c_id, c.client_id as c_client_id, c.name as c_name, c.client_type as c_client_type,
         c.redirect_uris as c_redirect_uris, c.secret_hash as c_secret_hash`;
const CLIENT_WITH_CODE = `select ${CLIENT_COLUMNS}, k.*
    from oauth_clients as c left join oauth_authorization_codes as k on k.code_hash = ?
   where c.client_id = ? limit 1`;
const CLIENT_WITH_REFRESH_TOKEN = `select ${CLIENT_COLUMNS}, t.*
    from oauth_clients as c left join oauth_tokens as t on t.refresh_token_hash = ?
   where c.client_id = ? limit 1`;

async function firstRow<T>(knex: Knex, sql: string, bindings: readonly Knex.RawBinding[]): Promise<T | undefined> {
  return (await rawPrepared<T>(knex, knex.raw(sql, bindings)))[0];
}

export function findClientByClientId(knex: Knex, clientId: string): Promise<ClientRow | undefined> {
  return firstRow<ClientRow>(knex, CLIENT_BY_CLIENT_ID, [clientId]);
}

export type TokenClient = Pick<
  ClientRow,
  'id' | 'client_id' | 'name' | 'client_type' | 'redirect_uris' | 'secret_hash'
>;

type Prefixed = { c_id: string; c_client_id: string; c_name: string; c_client_type: ClientRow['client_type'] };
type WithClient = Prefixed & { c_redirect_uris: string[]; c_secret_hash: string | null; id: string | null };

function splitClient<T>(row: WithClient | undefined): { client?: TokenClient; grant?: T } {
  if (!row) return {};
  const { c_id, c_client_id, c_name, c_client_type, c_redirect_uris, c_secret_hash, ...grant } = row;
  const client = {
    id: c_id,
    client_id: c_client_id,
    name: c_name,
    client_type: c_client_type,
    redirect_uris: c_redirect_uris,
    secret_hash: c_secret_hash,
  };
  return grant.id === null ? { client } : { client, grant: grant as T };
}

/** The client a token request names and the code it presents (either may be missing). */
export async function findClientAndCode(
  knex: Knex,
  clientId: string,
  code: string,
): Promise<{ client?: TokenClient; grant?: CodeRow }> {
  return splitClient<CodeRow>(await firstRow<WithClient>(knex, CLIENT_WITH_CODE, [hashToken(code), clientId]));
}

/** The client a token request names and the refresh token it presents (either may be missing). */
export async function findClientAndRefreshToken(
  knex: Knex,
  clientId: string,
  refreshToken: string,
): Promise<{ client?: TokenClient; grant?: TokenRow }> {
  return splitClient<TokenRow>(
    await firstRow<WithClient>(knex, CLIENT_WITH_REFRESH_TOKEN, [hashToken(refreshToken), clientId]),
  );
}

/** A confidential client's secret, compared in constant time against the stored digest. */
export function secretMatches(client: Pick<ClientRow, 'secret_hash'>, secret: string): boolean {
  return client.secret_hash !== null && tokenMatchesHash(secret, client.secret_hash);
}

export async function saveCode(
  knex: Knex,
  code: string,
  fields: Omit<CodeRow, 'id' | 'consumed_at'>,
): Promise<CodeRow> {
  const [row] = await knex('oauth_authorization_codes')
    .insert({ ...fields, code_hash: hashToken(code) })
    .returning<CodeRow[]>('*');
  return row as CodeRow;
}

export function findCode(knex: Knex, code: string): Promise<CodeRow | undefined> {
  return firstRow<CodeRow>(knex, CODE_BY_DIGEST, [hashToken(code)]);
}

/**
 * Spends a code that a refused exchange presented (another client's, expired, a wrong
 * redirect_uri or PKCE verifier): whatever follows its first presentation, a code is used up.
 * Found spent instead, it was redeemed by an exchange that raced this one (this statement
 * waited on its row): this presentation is a replay like any other, and revokes what that
 * exchange issued.
 */
export async function spendRefusedCode(knex: Knex, code: string): Promise<void> {
  const spent = await knex('oauth_authorization_codes')
    .where({ code_hash: hashToken(code) })
    .whereNull('consumed_at')
    .update({ consumed_at: knex.fn.now() });
  if (spent > 0) return;
  const row = await findCode(knex, code);
  if (row?.consumed_at) await revokeTokensOfCode(knex, row.id);
}

/**
 * RFC 6749 §4.1.2, SPEC §3: a replayed code revokes every token of the family it started —
 * the row issued from the code and every row refreshing has added since (those carry only the
 * family_id).
 */
export function revokeTokensOfCode(knex: Knex, codeId: string): Promise<number> {
  return revokeUntilNone(knex, (tokens) =>
    tokens.whereIn('family_id', knex('oauth_tokens').select('family_id').where({ authorization_code_id: codeId })),
  );
}

export interface IssuedToken {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken?: string;
  refreshTokenExpiresAt?: Date;
  scope: string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * When a family that started at `startedAt` ends (REFRESH_FAMILY_MAX_DAYS later): no refresh
 * token of it outlives that.
 */
export function familyEndsAt(startedAt: Date, familyMaxDays: number): Date {
  return new Date(startedAt.getTime() + familyMaxDays * DAY_MS);
}

/**
 * The authorization_code grant's write (SPEC §3): spends the code and stores the first tokens
 * of its new family in ONE statement, so nobody ever sees the code spent without its tokens: a
 * replay or an app revocation that waited on the code's row finds them to revoke. False when
 * the code was spent meanwhile (a concurrent redemption won, or the app was revoked): nothing
 * was stored. One statement is also one round trip where a transaction took four.
 */
export async function spendCodeForTokens(
  knex: Knex,
  codeId: string,
  token: IssuedToken,
  familyMaxDays: number,
): Promise<boolean> {
  const startedAt = new Date();
  const familyEnd = familyEndsAt(startedAt, familyMaxDays);
  const refreshExpiresAt =
    token.refreshToken && token.refreshTokenExpiresAt
      ? new Date(Math.min(token.refreshTokenExpiresAt.getTime(), familyEnd.getTime()))
      : null;
  const rows = await rawPrepared(
    knex,
    knex.raw(
      `with spent as (
         update oauth_authorization_codes set consumed_at = now()
          where id = ? and consumed_at is null
         returning id, client_id, user_id
       )
       insert into oauth_tokens (access_token_hash, access_token_expires_at, refresh_token_hash,
                                 refresh_token_expires_at, family_id, family_started_at, client_id, user_id,
                                 scope, authorization_code_id)
       select ?, ?, ?, ?, ?, ?, client_id, user_id, ?::text[], id from spent
       returning id`,
      [
        codeId,
        hashToken(token.accessToken),
        token.accessTokenExpiresAt,
        token.refreshToken ? hashToken(token.refreshToken) : null,
        refreshExpiresAt,
        randomUUID(),
        startedAt,
        token.scope,
      ],
    ),
  );
  return rows.length === 1;
}

/**
 * Rotation (SPEC §3): spends a refresh token and stores its successor in the family in ONE
 * statement, so nobody can see the one without the other — a revocation of the family that
 * waited on the spent row's lock finds the successor in its next pass (revokeUntilNone). The
 * successor's refresh token never outlives the family. False when the token was spent or
 * revoked meanwhile: nothing was stored.
 */
export async function rotateRefreshToken(
  knex: Knex,
  spentTokenId: string,
  token: IssuedToken & { refreshToken: string; refreshTokenExpiresAt: Date },
  familyMaxDays: number,
): Promise<boolean> {
  const result = await knex.raw<{ rows: unknown[] }>(
    `with spent as (
       update oauth_tokens set refresh_used_at = now()
        where id = ? and refresh_used_at is null and revoked_at is null
       returning family_id, family_started_at, client_id, user_id
     )
     insert into oauth_tokens (access_token_hash, access_token_expires_at, refresh_token_hash,
                               refresh_token_expires_at, family_id, family_started_at, client_id, user_id, scope)
     select ?, ?, ?, least(?::timestamptz, family_started_at + make_interval(days => ?::int)),
            family_id, family_started_at, client_id, user_id, ?::text[]
       from spent
     returning id`,
    [
      spentTokenId,
      hashToken(token.accessToken),
      token.accessTokenExpiresAt,
      hashToken(token.refreshToken),
      token.refreshTokenExpiresAt,
      familyMaxDays,
      token.scope,
    ],
  );
  return result.rows.length === 1;
}

/** API authentication's lookup of a Bearer token (by digest, a prepared statement): live tokens only. */
export function findActiveAccessToken(
  knex: Knex,
  digest: string,
): Promise<Pick<TokenRow, 'id' | 'user_id' | 'scope'> | undefined> {
  return firstRow(knex, ACTIVE_ACCESS_TOKEN, [digest]);
}

export function findTokenByRefreshToken(knex: Knex, refreshToken: string): Promise<TokenRow | undefined> {
  return firstRow<TokenRow>(knex, TOKEN_BY_REFRESH_DIGEST, [hashToken(refreshToken)]);
}

export type ClientCheck = Pick<ClientRow, 'id' | 'client_id' | 'client_type' | 'secret_hash'>;
export type TokenWithOwner = TokenRow & {
  client_public_id: string;
  email: string;
  kind: 'access_token' | 'refresh_token';
};

/**
 * For /oauth/revoke and /oauth/introspect: the calling client and the token it names (access or
 * refresh, by either digest's unique index), with the token's client and user, in one
 * statement. `client` is undefined for an unknown client_id; `token` for an unknown token.
 */
export async function findClientWithToken(
  knex: Knex,
  clientId: string,
  token: string,
): Promise<{ client?: ClientCheck; token?: TokenWithOwner }> {
  const digest = hashToken(token);
  const row = await firstRow<Record<string, unknown>>(knex, CLIENT_WITH_TOKEN, [digest, digest, clientId]);
  if (!row) return {};
  const { caller_id, caller_type, caller_secret_hash, ...tokenColumns } = row;
  const client = {
    id: caller_id,
    client_id: clientId,
    client_type: caller_type,
    secret_hash: caller_secret_hash,
  } as ClientCheck;
  if (tokenColumns.id === null) return { client };
  const kind = tokenColumns.access_token_hash === digest ? 'access_token' : 'refresh_token';
  return {
    client,
    token: { ...(tokenColumns as unknown as TokenRow & { client_public_id: string; email: string }), kind },
  };
}

/**
 * Revokes the token rows a filter selects, pass after pass until a pass finds none. One pass is
 * not enough under concurrency: a rotation in flight holds its spent row's lock and inserts the
 * successor, which a pass that started before it committed cannot see (its snapshot is older)
 * although it waited on that lock. The next pass starts after that commit and sees it; a
 * rotation that comes later finds its row revoked and stores nothing. Usually two statements.
 */
async function revokeUntilNone(knex: Knex, filter: (tokens: Knex.QueryBuilder) => Knex.QueryBuilder): Promise<number> {
  let total = 0;
  for (;;) {
    const revoked: number = await filter(knex('oauth_tokens'))
      .whereNull('revoked_at')
      .update({ revoked_at: knex.fn.now() });
    total += revoked;
    if (revoked === 0) return total;
  }
}

/** RFC 9700 §4.14.2: reuse of a rotated refresh token revokes every token of its family. */
export function revokeFamily(knex: Knex, familyId: string): Promise<number> {
  return revokeUntilNone(knex, (tokens) => tokens.where({ family_id: familyId }));
}

export function revokeToken(knex: Knex, tokenId: string): Promise<number> {
  return knex('oauth_tokens').where({ id: tokenId }).whereNull('revoked_at').update({ revoked_at: knex.fn.now() });
}

export function isAccessTokenActive(token: TokenRow, now = new Date()): boolean {
  return token.revoked_at === null && token.access_token_expires_at > now;
}

/** When a refresh token stops working: its own expiry or its family's end, whichever is first. */
export function refreshTokenExpiresAt(
  token: Pick<TokenRow, 'refresh_token_expires_at' | 'family_started_at'>,
  familyMaxDays: number,
): Date | null {
  if (token.refresh_token_expires_at === null) return null;
  const familyEnd = familyEndsAt(token.family_started_at, familyMaxDays);
  return token.refresh_token_expires_at < familyEnd ? token.refresh_token_expires_at : familyEnd;
}

export function isRefreshTokenActive(token: TokenRow, familyMaxDays: number, now = new Date()): boolean {
  const expiresAt = refreshTokenExpiresAt(token, familyMaxDays);
  return token.revoked_at === null && token.refresh_used_at === null && expiresAt !== null && expiresAt > now;
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
 * tokens first: they reference codes. Without it both tables only grow, and the token endpoint
 * slowed eightfold on the bench once their random-keyed indexes no longer stayed in memory.
 */
export async function purgeExpired(knex: Knex, batch = PURGE_BATCH): Promise<{ tokens: number; codes: number }> {
  const purge = async (table: string, usefulUntil: string) => {
    let total = 0;
    for (;;) {
      const expired = knex(table)
        .select('id')
        .whereRaw(`${usefulUntil} < now() - ?::interval`, [PURGE_AFTER])
        .limit(batch);
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

export async function findConsent(
  knex: Knex,
  userId: string,
  clientId: string,
): Promise<{ scope: string[] } | undefined> {
  return knex('oauth_consents').where({ user_id: userId, client_id: clientId }).first('scope');
}

/**
 * Records a grant, widening an earlier one (scopes only ever add up until revoked). Returns the
 * scopes it adds — all of them for a first grant, none for an approval the grant already
 * covered — so that the owner is told of new access once (SPEC §7). In the caller's transaction:
 * the user's row is locked first (as every account change does), so two approvals at once are
 * counted one after the other, and the earlier grant is read after that lock.
 */
export async function saveConsent(
  trx: Knex.Transaction,
  userId: string,
  clientId: string,
  scope: string[],
): Promise<string[]> {
  await trx('users').where({ id: userId }).forNoKeyUpdate().first('id');
  const before = await trx('oauth_consents')
    .where({ user_id: userId, client_id: clientId })
    .first<{ scope: string[] } | undefined>('scope');
  await trx.raw(
    `insert into oauth_consents (user_id, client_id, scope) values (?, ?, ?::text[])
     on conflict (user_id, client_id) do update
       set scope = (select array_agg(distinct s order by s) from unnest(oauth_consents.scope || excluded.scope) as s),
           updated_at = now()`,
    [userId, clientId, scope],
  );
  return scope.filter((name) => !before?.scope.includes(name));
}

/**
 * Revoking an app (SPEC §3): its consent goes, the codes it holds for the user and has not
 * redeemed are spent (a later exchange is invalid_grant), and every token it holds for the user
 * is revoked — in one transaction. The codes come first: spending waits on an exchange in flight
 * (it holds the code's row), so the tokens that exchange stores are there for the revocation.
 */
export async function revokeAuthorization(knex: Knex, userId: string, clientId: string): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx('oauth_authorization_codes')
      .where({ user_id: userId, client_id: clientId })
      .whereNull('consumed_at')
      .update({ consumed_at: trx.fn.now() });
    await trx('oauth_consents').where({ user_id: userId, client_id: clientId }).del();
    await revokeUntilNone(trx, (tokens) => tokens.where({ user_id: userId, client_id: clientId }));
  });
}
