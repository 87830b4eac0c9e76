// The schema's own rules: migrations go down and up again, and the constraints and ON DELETE
// rules hold whatever the application code does.
import { useTestDatabase } from './helpers/db';
import { migrationSource } from '../src/db/migration-source';
import {
  buildAlias,
  buildClient,
  buildEvent,
  buildGroup,
  buildMembership,
  buildTicket,
  buildTicketHistory,
  buildToken,
  buildUser,
} from './factories';

const db = useTestDatabase();

async function sqlState(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('migrations', () => {
  const TABLES = [
    'users',
    'sessions',
    'oauth_clients',
    'oauth_authorization_codes',
    'oauth_tokens',
    'oauth_consents',
    'personal_tokens',
    'groups',
    'memberships',
    'invitations',
    'user_aliases',
    'events',
    'tickets',
    'ticket_history',
    'mail_outbox',
    'account_links',
    'idempotency_keys',
    'deletions',
  ];
  const tablesPresent = async () =>
    (await db.knex('pg_tables').where({ schemaname: 'public' }).pluck('tablename')).filter(
      (t: string) => !t.startsWith('knex_'),
    );

  it('records migrations without their file extension', async () => {
    const names = await db.knex('knex_migrations').orderBy('id').pluck('name');
    expect(names).toEqual(await migrationSource.getMigrations([]));
    expect(names.every((name: string) => !/\.(ts|js)$/.test(name))).toBe(true);
  });

  it('goes all the way down, and up again, leaving the same tables', async () => {
    expect((await tablesPresent()).sort()).toEqual([...TABLES].sort());
    await db.knex.migrate.rollback(undefined, true);
    expect(await tablesPresent()).toEqual([]);
    const functions = await db.knex.raw("select 1 from pg_proc where proname = 'natural_sort_key'");
    expect(functions.rows).toHaveLength(0);
    await db.knex.migrate.latest();
    expect((await tablesPresent()).sort()).toEqual([...TABLES].sort());
  });
});

describe('constraints', () => {
  it('keeps emails unique whatever their case', async () => {
    await buildUser(db.knex, { email: 'Sam@Example.com' });
    expect(await sqlState(buildUser(db.knex, { email: 'sam@example.COM' }))).toBe('23505');
  });

  it('allows one membership per user and group', async () => {
    const membership = await buildMembership(db.knex);
    expect(
      await sqlState(buildMembership(db.knex, { group_id: membership.group_id, user_id: membership.user_id })),
    ).toBe('23505');
  });

  it('accepts only the roles admin and member', async () => {
    expect(
      await sqlState(buildMembership(db.knex, { role: 'owner' as 'member' /* not a role: the check refuses it */ })),
    ).toBe('23514');
    expect((await buildMembership(db.knex, { role: 'admin' })).role).toBe('admin');
  });

  it('refuses a negative cost and accepts zero', async () => {
    expect(await sqlState(buildTicket(db.knex, { cost: '-0.01' }))).toBe('23514');
    expect((await buildTicket(db.knex, { cost: '0' })).cost).toBe('0.00');
  });

  it('needs at least one of section, row and seat to be non-blank', async () => {
    expect(await sqlState(buildTicket(db.knex, { section: ' ', row: '', seat: '' }))).toBe('23514');
    expect((await buildTicket(db.knex, { section: '', row: '', seat: 'GA' })).seat).toBe('GA');
  });

  it("keeps a ticket's event and owner inside the ticket's group", async () => {
    const otherGroupEvent = await buildEvent(db.knex);
    const owner = await buildUser(db.knex);
    const group = await buildGroup(db.knex, { admin: owner });
    expect(await sqlState(buildTicket(db.knex, { group_id: group.id, event_id: otherGroupEvent.id, owner }))).toBe(
      '23503',
    );
    const event = await buildEvent(db.knex, { group_id: group.id });
    const outsider = await buildUser(db.knex);
    expect(await sqlState(buildTicket(db.knex, { event, owner: outsider }))).toBe('23503');
    expect(await sqlState(buildTicket(db.knex, { event, owner, assignee_id: outsider.id }))).toBe('23503');
  });

  it('gives confidential clients a secret and public clients none', async () => {
    expect(await sqlState(buildClient(db.knex, { client_type: 'public', secret_hash: 'abc' }))).toBe('23514');
    expect(await sqlState(buildClient(db.knex, { client_type: 'confidential', secret_hash: null }))).toBe('23514');
    expect(await sqlState(buildClient(db.knex, { redirect_uris: [] }))).toBe('23514');
  });

  it('allows only S256 as the PKCE method', async () => {
    const client = await buildClient(db.knex);
    const user = await buildUser(db.knex);
    const code = {
      code_hash: 'h1',
      client_id: client.id,
      user_id: user.id,
      redirect_uri: 'http://127.0.0.1:9999/cb',
      scope: ['read'],
      expires_at: new Date(),
    };
    expect(
      await sqlState(
        db.knex('oauth_authorization_codes').insert({ ...code, code_challenge: 'x', code_challenge_method: 'plain' }),
      ),
    ).toBe('23514');
    await db.knex('oauth_authorization_codes').insert({ ...code, code_challenge: 'x', code_challenge_method: 'S256' });
  });
});

describe('ON DELETE rules', () => {
  it('removing a membership deletes the tickets the member owns there and frees the seats assigned to them', async () => {
    const admin = await buildUser(db.knex);
    const group = await buildGroup(db.knex, { admin });
    const member = await buildUser(db.knex);
    await buildMembership(db.knex, { group_id: group.id, user_id: member.id });
    const event = await buildEvent(db.knex, { group_id: group.id });
    const owned = await buildTicket(db.knex, { event, owner: member });
    const held = await buildTicket(db.knex, { event, owner: admin, assignee_id: member.id });

    await db.knex('memberships').where({ group_id: group.id, user_id: member.id }).del();

    expect(await db.knex('tickets').where({ id: owned.id }).first()).toBeUndefined();
    const freed = await db.knex('tickets').where({ id: held.id }).first();
    expect(freed).toMatchObject({ owner_id: admin.id, assignee_id: null, group_id: group.id });
  });

  it('deleting an alias clears it from tickets; deleting a ticket keeps its history row', async () => {
    const ticket = await buildTicket(db.knex);
    const alias = await buildAlias(db.knex, { user_id: ticket.owner_id });
    await db.knex('tickets').where({ id: ticket.id }).update({ alias_id: alias.id });
    const history = await buildTicketHistory(db.knex, { ticket_id: ticket.id });

    expect(await db.knex('user_aliases').where({ id: alias.id }).del()).toBe(1);
    expect((await db.knex('tickets').where({ id: ticket.id }).first()).alias_id).toBeNull();
    expect(await db.knex('tickets').where({ id: ticket.id }).del()).toBe(1);
    expect(await db.knex('ticket_history').where({ id: history.id }).first()).toMatchObject({
      ticket_id: null,
      group_id: ticket.group_id,
    });
  });

  it('deleting an event deletes its tickets; deleting a user deletes their tokens and clients', async () => {
    const ticket = await buildTicket(db.knex);
    await db.knex('events').where({ id: ticket.event_id }).del();
    expect(await db.knex('tickets').where({ id: ticket.id }).first()).toBeUndefined();

    const developer = await buildUser(db.knex);
    const client = await buildClient(db.knex, { owner_id: developer.id });
    const token = await buildToken(db.knex, { user_id: developer.id });
    await db.knex('users').where({ id: developer.id }).del();
    expect(await db.knex('oauth_clients').where({ id: client.id }).first()).toBeUndefined();
    expect(await db.knex('oauth_tokens').where({ id: token.id }).first()).toBeUndefined();
  });
});

describe('natural seat order', () => {
  it('sorts digit runs by number and letters case-insensitively', async () => {
    const event = await buildEvent(db.knex);
    const owner = await buildUser(db.knex);
    await buildMembership(db.knex, { group_id: event.group_id, user_id: owner.id });
    for (const seat of ['10', '9', 'b2', 'B10', '100', 'a1'])
      await buildTicket(db.knex, { event, owner, section: '326', row: 'K', seat });
    const seats = await db
      .knex('tickets')
      .where({ event_id: event.id })
      .orderBy(['section_sort', 'row_sort', 'seat_sort'])
      .pluck('seat');
    expect(seats).toEqual(['9', '10', '100', 'a1', 'b2', 'B10']);
  });

  it('keys every kind of seat as the general expression does (the fast paths change no key)', async () => {
    const values = [
      '',
      ' ',
      '7',
      '007',
      '10',
      '12\n',
      '123456789012345678901234',
      'K',
      'ÄB',
      'Row 3',
      'A10',
      '10A',
      'x1y22z333',
      '1 2',
      '-5',
      '٣',
    ];
    const { rows } = await db.knex.raw(
      `select v, natural_sort_key(v) as key,
              coalesce((select string_agg(case when part[1] ~ '^[0-9]' then lpad(part[1], 20, '0') else lower(part[1]) end, '' order by n)
                          from regexp_matches(v, '([0-9]+|[^0-9]+)', 'g') with ordinality as parts(part, n)), '') as reference
         from unnest(?::text[]) as v`,
      [values],
    );
    expect(rows).toHaveLength(values.length);
    for (const row of rows) expect({ v: row.v, key: row.key }).toEqual({ v: row.v, key: row.reference });
    expect(rows.find((row: { v: string }) => row.v === '7').key).toBe('00000000000000000007');
    expect(rows.find((row: { v: string }) => row.v === 'A10').key).toBe('a00000000000000000010');
  });
});
