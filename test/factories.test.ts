// The factories later tests build their worlds with: each makes a valid row on its own.
import { useTestDatabase } from './helpers/db';
import * as factories from './factories';
import { hashToken } from '../src/security/tokens';
import { verifyPassword } from '../src/security/passwords';

const db = useTestDatabase();
const rowCount = async (table: string) => Number((await db.knex(table).count({ n: '*' }).first())?.n);

describe('factories', () => {
  it.each([
    ['buildUser', 'users'],
    ['buildSession', 'sessions'],
    ['buildGroup', 'groups'],
    ['buildMembership', 'memberships'],
    ['buildInvitation', 'invitations'],
    ['buildAlias', 'user_aliases'],
    ['buildEvent', 'events'],
    ['buildTicket', 'tickets'],
    ['buildTicketHistory', 'ticket_history'],
    ['buildClient', 'oauth_clients'],
    ['buildAuthorizationCode', 'oauth_authorization_codes'],
    ['buildToken', 'oauth_tokens'],
    ['buildConsent', 'oauth_consents'],
    ['buildPersonalToken', 'personal_tokens'],
  ] as const)('%s inserts one row into %s with no arguments', async (name, table) => {
    const build = factories[name] as (knex: typeof db.knex) => Promise<{ id?: string; sid?: string }>;
    const row = await build(db.knex);
    const key = table === 'sessions' ? { sid: row.sid } : { id: row.id };
    expect(await db.knex(table).where(key).first()).toBeDefined();
  });

  describe('between tests', () => {
    // Rows made before this block's test (hooks: beforeAll here, then the emptying beforeEach),
    // so the test checks an emptying that happened, even when it runs alone.
    const rowsBefore: Record<string, number> = {};
    beforeAll(async () => {
      await factories.buildTicketHistory(db.knex);
      await factories.buildInvitation(db.knex);
      await factories.buildToken(db.knex);
      for (const table of [
        'users',
        'groups',
        'memberships',
        'events',
        'tickets',
        'ticket_history',
        'invitations',
        'oauth_clients',
        'oauth_tokens',
      ]) {
        rowsBefore[table] = await rowCount(table);
      }
    });

    it('starts every test with empty tables', async () => {
      expect(Object.values(rowsBefore).every((count) => count > 0)).toBe(true);
      for (const table of Object.keys(rowsBefore)) expect([table, await rowCount(table)]).toEqual([table, 0]);
    });
  });

  it('gives users a password that verifies', async () => {
    const user = await factories.buildUser(db.knex);
    expect(await verifyPassword(user.password_hash, factories.FACTORY_PASSWORD)).toBe(true);
  });

  it('stores only digests of the secrets it returns', async () => {
    const token = await factories.buildToken(db.knex);
    expect(token.access_token_hash).toBe(hashToken(token.access_token));
    expect(JSON.stringify(await db.knex('oauth_tokens').where({ id: token.id }).first())).not.toContain(
      token.access_token,
    );
  });

  it('makes an admin membership for buildGroup({ admin })', async () => {
    const admin = await factories.buildUser(db.knex);
    const group = await factories.buildGroup(db.knex, { admin });
    expect(await db.knex('memberships').where({ group_id: group.id, user_id: admin.id }).first()).toMatchObject({
      role: 'admin',
    });
  });
});
