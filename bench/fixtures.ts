// What the bench's requests need, made in the dataset's database: a user of a busy group, a
// confidential client, distinct authorization codes (PKCE) and refresh tokens — each secret
// random and stored as its digest, as the server itself stores them — and the ids to ask for.
import { createHash, randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { createClient } from '../src/oauth/clients';
import { generateToken, hashToken } from '../src/security/tokens';

export const REDIRECT_URI = 'http://127.0.0.1:9999/cb';
export const CODE_VERIFIER = randomBytes(32).toString('base64url');
const CODE_CHALLENGE = createHash('sha256').update(CODE_VERIFIER).digest('base64url');

export interface Fixtures {
  userId: string;
  groupId: string;
  clientRowId: string;
  clientId: string;
  clientSecret: string;
  /** Tickets the user can see, and the ones they own (PATCH). */
  visibleTicketIds: string[];
  ownedTicketIds: string[];
}

export function connect(url: string): Knex {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: url, application_name: 'seatshare-bench' },
    pool: { min: 0, max: 2 },
  });
}

export async function makeFixtures(knex: Knex): Promise<Fixtures> {
  // The bench's database is its own. Codes and tokens of earlier runs go, so that every run
  // starts from the same tables: each run left ~100 000 rows behind, and after a day of runs
  // (755 000 codes, 350 000 tokens) the code exchange had slowed from ~500 to ~60 req/s,
  // waiting on reads of their random-keyed indexes (IO DataFileRead) rather than on CPU.
  await knex.raw('truncate oauth_tokens, oauth_authorization_codes');
  // The admin of the group with the most tickets: the busiest list in the dataset.
  const [group] = (
    await knex.raw<{ rows: { group_id: string }[] }>(
      'select group_id from tickets group by group_id order by count(*) desc, group_id limit 1',
    )
  ).rows;
  if (!group) throw new Error('The bench database holds no tickets.');
  const admin = await knex('memberships')
    .where({ group_id: group.group_id, role: 'admin' })
    .orderBy('user_id')
    .first<{ user_id: string }>('user_id');
  const { client, clientSecret } = await createClient(knex, {
    name: `Bench ${new Date().toISOString()}`,
    redirect_uris: [REDIRECT_URI],
    client_type: 'confidential',
  });
  const visible = await knex('tickets')
    .where({ group_id: group.group_id })
    .orderBy('id')
    .limit(500)
    .pluck<string[]>('id');
  const owned = await knex('tickets')
    .where({ group_id: group.group_id, owner_id: admin.user_id })
    .orderBy('id')
    .limit(200)
    .pluck<string[]>('id');
  return {
    userId: admin.user_id,
    groupId: group.group_id,
    clientRowId: client.id,
    clientId: client.client_id,
    clientSecret: clientSecret!,
    visibleTicketIds: visible,
    ownedTicketIds: owned,
  };
}

async function insertInBatches(knex: Knex, table: string, rows: object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) await knex(table).insert(rows.slice(i, i + 2000));
}

/** `count` distinct authorization codes for the fixtures' client and user, PKCE S256. */
export async function makeCodes(knex: Knex, fixtures: Fixtures, count: number): Promise<string[]> {
  const codes = Array.from({ length: count }, () => generateToken('code'));
  const expires = new Date(Date.now() + 10 * 60 * 1000);
  await insertInBatches(
    knex,
    'oauth_authorization_codes',
    codes.map((code) => ({
      code_hash: hashToken(code),
      client_id: fixtures.clientRowId,
      user_id: fixtures.userId,
      redirect_uri: REDIRECT_URI,
      scope: ['read', 'write'],
      code_challenge: CODE_CHALLENGE,
      code_challenge_method: 'S256',
      expires_at: expires,
    })),
  );
  return codes;
}

/** `count` distinct refresh tokens, each of its own family (a rotation spends one). */
export async function makeRefreshTokens(knex: Knex, fixtures: Fixtures, count: number): Promise<string[]> {
  const tokens = Array.from({ length: count }, () => generateToken('refresh'));
  const now = Date.now();
  await insertInBatches(
    knex,
    'oauth_tokens',
    tokens.map((token) => ({
      access_token_hash: hashToken(generateToken('access')),
      access_token_expires_at: new Date(now + 60 * 60 * 1000),
      refresh_token_hash: hashToken(token),
      refresh_token_expires_at: new Date(now + 30 * 24 * 60 * 60 * 1000),
      family_id: randomUuid(),
      client_id: fixtures.clientRowId,
      user_id: fixtures.userId,
      scope: ['read', 'write'],
    })),
  );
  return tokens;
}

function randomUuid(): string {
  return globalThis.crypto.randomUUID();
}
