// The factories later tests build their worlds with: each makes a valid row on its own.
import { useTestDatabase } from './helpers/db';
import * as factories from './factories';
import { hashToken } from '../src/security/tokens';
import { verifyPassword } from '../src/security/passwords';

const db = useTestDatabase();

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
    const build = factories[name] as (knex: typeof db.knex) => Promise<Record<string, unknown>>;
    const row = await build(db.knex);
    const key = table === 'sessions' ? { sid: row.sid } : { id: row.id };
    expect(await db.knex(table).where(key).first()).toBeDefined();
  });

  it('starts every test with empty tables', async () => {
    expect(Number((await db.knex('users').count({ n: '*' }).first())?.n)).toBe(0);
  });

  it('gives users a password that verifies', async () => {
    const user = await factories.buildUser(db.knex);
    expect(await verifyPassword(user.password_hash, factories.FACTORY_PASSWORD)).toBe(true);
  });

  it('stores only digests of the secrets it returns', async () => {
    const token = await factories.buildToken(db.knex);
    expect(token.access_token_hash).toBe(hashToken(token.access_token));
    expect(JSON.stringify(await db.knex('oauth_tokens').where({ id: token.id }).first())).not.toContain(token.access_token);
  });

  it('makes an admin membership for buildGroup({ admin })', async () => {
    const admin = await factories.buildUser(db.knex);
    const group = await factories.buildGroup(db.knex, { admin });
    expect(await db.knex('memberships').where({ group_id: group.id, user_id: admin.id }).first()).toMatchObject({ role: 'admin' });
  });
});
