// Factories for every table: sensible defaults, dependencies created when not given,
// overrides for what a test cares about. Each inserts one row and returns it.
//
//   const admin = await buildUser(knex);
//   const group = await buildGroup(knex, { admin });          // admin gets an admin membership
//   const event = await buildEvent(knex, { group_id: group.id, start_time: inDays(3) });
//   const ticket = await buildTicket(knex, { event, owner: admin, assignee_id: null });
import type { Knex } from 'knex';
import { generateJoinCode } from '../src/groups/join-code';
import { hashPassword } from '../src/security/passwords';
import { generateClientId, generateToken, hashToken } from '../src/security/tokens';
import type { UserRow } from '../src/users/users';
import type { ClientRow } from '../src/oauth/clients';
import type { CodeRow, TokenRow } from '../src/oauth/store';
import type { PersonalTokenRow } from '../src/auth/personal-tokens';
import type { EventRecord } from '../src/api/v1/events/presenter';
import type { TicketRecord } from '../src/api/v1/tickets/presenter';

type Row = Record<string, unknown>;

// The rows the factories return: a table's columns as `returning *` gives them. Where src/ has
// the type of a table's row it is used (UserRow, ClientRow, …); the API's row types (GroupRow,
// TicketRow) carry columns of their queries (role, names), so the tables' own are here.
export interface GroupRecord {
  id: string;
  name: string;
  description: string;
  invitation_code: string;
  deactivated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface MembershipRecord {
  id: string;
  group_id: string;
  user_id: string;
  role: 'admin' | 'member';
  created_at: Date;
  updated_at: Date;
}

export interface AliasRecord {
  id: string;
  user_id: string;
  first_name: string;
  last_name: string;
  created_at: Date;
  updated_at: Date;
}

export interface SessionRecord {
  sid: string;
  sess: object;
  expires_at: Date;
  user_id: string | null;
}

export interface InvitationRecord {
  id: string;
  group_id: string;
  email: string;
  code_hash: string;
  invited_by_id: string | null;
  accepted_by_id: string | null;
  accepted_at: Date | null;
  cancelled_at: Date | null;
  expires_at: Date;
  created_at: Date;
}

export interface TicketHistoryRecord {
  id: string;
  ticket_id: string | null;
  group_id: string;
  actor_id: string | null;
  action: 'created' | 'updated' | 'assigned' | 'unassigned' | 'requested' | 'deleted';
  changes: object;
  message: string | null;
  created_at: Date;
}

export interface ConsentRecord {
  id: string;
  user_id: string;
  client_id: string;
  scope: string[];
  created_at: Date;
  updated_at: Date;
}

export type TokenRecord = TokenRow & {
  access_token_hash: string;
  refresh_token_hash: string | null;
  last_used_at: Date | null;
};
export type PersonalTokenRecord = PersonalTokenRow & { token_hash: string };

/** What a factory accepts: any of the row's columns (cost also as a number, as the database takes it). */
type Overrides<T> = { [K in keyof T]?: T[K] | (K extends 'cost' ? number : never) };

let counter = 0;
const next = () => (counter += 1);

const DAY_MS = 24 * 60 * 60 * 1000;
/** A time `days` from now (negative: in the past). */
export const inDays = (days: number): Date => new Date(Date.now() + days * DAY_MS);

// Every factory user has this password. It is hashed once per test file: argon2id per user
// would slow every test down.
export const FACTORY_PASSWORD = 'correct horse battery staple';
let factoryPasswordHash: Promise<string> | undefined;

async function insert<T = Row>(knex: Knex, table: string, row: Row): Promise<T> {
  const [created] = await knex(table).insert(row).returning('*');
  return created as T;
}

export async function buildUser(knex: Knex, overrides: Partial<UserRow> = {}): Promise<UserRow> {
  const n = next();
  factoryPasswordHash ??= hashPassword(FACTORY_PASSWORD);
  return insert<UserRow>(knex, 'users', {
    email: `user${n}@example.com`,
    password_hash: await factoryPasswordHash,
    first_name: `First${n}`,
    last_name: `Last${n}`,
    email_verified_at: new Date(), // tests of unverified accounts say so: { email_verified_at: null }
    ...overrides,
  });
}

export function buildSession(knex: Knex, overrides: Overrides<SessionRecord> = {}): Promise<SessionRecord> {
  return insert<SessionRecord>(knex, 'sessions', {
    sid: `sid-${next()}-${Date.now()}`,
    sess: { cookie: {} },
    expires_at: inDays(1),
    ...overrides,
  });
}

/** A group; with `admin` (a user), that user is made its admin. */
export async function buildGroup(
  knex: Knex,
  { admin, ...overrides }: Overrides<GroupRecord> & { admin?: Pick<UserRow, 'id'> } = {},
): Promise<GroupRecord> {
  const group = await insert<GroupRecord>(knex, 'groups', {
    name: `Group ${next()}`,
    invitation_code: generateJoinCode(),
    ...overrides,
  });
  if (admin) await buildMembership(knex, { group_id: group.id, user_id: admin.id, role: 'admin' });
  return group;
}

export async function buildMembership(
  knex: Knex,
  overrides: Overrides<MembershipRecord> = {},
): Promise<MembershipRecord> {
  const group_id = overrides.group_id ?? (await buildGroup(knex)).id;
  const user_id = overrides.user_id ?? (await buildUser(knex)).id;
  return insert<MembershipRecord>(knex, 'memberships', { role: 'member', ...overrides, group_id, user_id });
}

export async function buildInvitation(
  knex: Knex,
  overrides: Overrides<InvitationRecord> = {},
): Promise<InvitationRecord & { code: string }> {
  const group_id = overrides.group_id ?? (await buildGroup(knex)).id;
  const code = generateToken('invitation');
  const row = await insert<InvitationRecord>(knex, 'invitations', {
    email: `invitee${next()}@example.com`,
    code_hash: hashToken(code),
    expires_at: inDays(14),
    ...overrides,
    group_id,
  });
  return { ...row, code };
}

export async function buildAlias(knex: Knex, overrides: Overrides<AliasRecord> = {}): Promise<AliasRecord> {
  const user_id = overrides.user_id ?? (await buildUser(knex)).id;
  const n = next();
  return insert<AliasRecord>(knex, 'user_aliases', {
    first_name: `Guest${n}`,
    last_name: `Friend${n}`,
    ...overrides,
    user_id,
  });
}

export async function buildEvent(knex: Knex, overrides: Overrides<EventRecord> = {}): Promise<EventRecord> {
  const group_id = overrides.group_id ?? (await buildGroup(knex)).id;
  return insert<EventRecord>(knex, 'events', { name: `Game ${next()}`, start_time: inDays(7), ...overrides, group_id });
}

/**
 * A ticket. Give `event` (a row) or `event_id` + `group_id`, and `owner` (a user who is a
 * member) or `owner_id`; missing pieces are created, the owner made a member. The assignee
 * defaults to the owner; pass `assignee_id: null` for an available seat.
 */
export async function buildTicket(
  knex: Knex,
  {
    event,
    owner,
    ...overrides
  }: Overrides<TicketRecord> & { event?: Pick<EventRecord, 'id' | 'group_id'>; owner?: Pick<UserRow, 'id'> } = {},
): Promise<TicketRecord> {
  const group_id = overrides.group_id ?? event?.group_id ?? (await buildGroup(knex)).id;
  const event_id = overrides.event_id ?? event?.id ?? (await buildEvent(knex, { group_id })).id;
  let owner_id = overrides.owner_id ?? owner?.id;
  if (!owner_id) {
    owner_id = (await buildUser(knex)).id;
    await buildMembership(knex, { group_id, user_id: owner_id });
  }
  return insert<TicketRecord>(knex, 'tickets', {
    section: '326',
    row: 'K',
    seat: String(next()),
    cost: '32.00',
    assignee_id: owner_id,
    ...overrides,
    group_id,
    event_id,
    owner_id,
  });
}

export async function buildTicketHistory(
  knex: Knex,
  overrides: Overrides<TicketHistoryRecord> = {},
): Promise<TicketHistoryRecord> {
  const ticket = overrides.ticket_id
    ? await knex('tickets').where({ id: overrides.ticket_id }).first<TicketRecord>()
    : await buildTicket(knex);
  return insert<TicketHistoryRecord>(knex, 'ticket_history', {
    action: 'created',
    actor_id: ticket.owner_id,
    changes: {},
    ...overrides,
    ticket_id: ticket.id,
    group_id: ticket.group_id,
  });
}

/** An OAuth client; the plain secret comes back as `secret` (confidential clients). */
export async function buildClient(
  knex: Knex,
  overrides: Overrides<ClientRow> = {},
): Promise<ClientRow & { secret?: string }> {
  const type = overrides.client_type ?? 'confidential';
  const secret = type === 'confidential' ? generateToken('client_secret') : undefined;
  const row = await insert<ClientRow>(knex, 'oauth_clients', {
    client_id: generateClientId(),
    name: `App ${next()}`,
    client_type: type,
    secret_hash: secret ? hashToken(secret) : null,
    redirect_uris: ['http://127.0.0.1:9999/cb'],
    ...overrides,
  });
  return { ...row, secret };
}

async function clientAndUser(
  knex: Knex,
  overrides: { client_id?: string; user_id?: string },
): Promise<{ client_id: string; user_id: string }> {
  return {
    client_id: overrides.client_id ?? (await buildClient(knex)).id,
    user_id: overrides.user_id ?? (await buildUser(knex)).id,
  };
}

/** An authorization code; the plain code comes back as `code`. */
export async function buildAuthorizationCode(
  knex: Knex,
  overrides: Overrides<CodeRow> = {},
): Promise<CodeRow & { code_hash: string; code: string }> {
  const code = generateToken('code');
  const row = await insert<CodeRow & { code_hash: string }>(knex, 'oauth_authorization_codes', {
    code_hash: hashToken(code),
    redirect_uri: 'http://127.0.0.1:9999/cb',
    scope: ['read', 'write'],
    expires_at: new Date(Date.now() + 10 * 60 * 1000),
    ...overrides,
    ...(await clientAndUser(knex, overrides)),
  });
  return { ...row, code };
}

/** An access token with a refresh token; the plain values come back as `access_token`, `refresh_token`. */
export async function buildToken(
  knex: Knex,
  overrides: Overrides<TokenRecord> = {},
): Promise<TokenRecord & { access_token: string; refresh_token: string }> {
  const access_token = generateToken('access');
  const refresh_token = generateToken('refresh');
  const row = await insert<TokenRecord>(knex, 'oauth_tokens', {
    access_token_hash: hashToken(access_token),
    access_token_expires_at: new Date(Date.now() + 60 * 60 * 1000),
    refresh_token_hash: hashToken(refresh_token),
    refresh_token_expires_at: inDays(30),
    family_id: overrides.family_id ?? (await knex.raw('select gen_random_uuid() as id')).rows[0].id,
    scope: ['read', 'write'],
    ...overrides,
    ...(await clientAndUser(knex, overrides)),
  });
  return { ...row, access_token, refresh_token };
}

export async function buildConsent(knex: Knex, overrides: Overrides<ConsentRecord> = {}): Promise<ConsentRecord> {
  return insert<ConsentRecord>(knex, 'oauth_consents', {
    scope: ['read', 'write'],
    ...overrides,
    ...(await clientAndUser(knex, overrides)),
  });
}

/** A personal API token; the plain value comes back as `token`. */
export async function buildPersonalToken(
  knex: Knex,
  overrides: Overrides<PersonalTokenRecord> = {},
): Promise<PersonalTokenRecord & { token: string }> {
  const token = generateToken('personal');
  const user_id = overrides.user_id ?? (await buildUser(knex)).id;
  const row = await insert<PersonalTokenRecord>(knex, 'personal_tokens', {
    name: `Token ${next()}`,
    token_hash: hashToken(token),
    scope: ['read', 'write'],
    ...overrides,
    user_id,
  });
  return { ...row, token };
}
