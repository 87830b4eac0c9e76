// Purging expired codes and tokens (src/oauth/store.ts purgeExpired): what goes, what stays.
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp } from '../helpers/app';
import { buildAuthorizationCode, buildClient, buildToken } from '../factories';
import { purgeExpired } from '../../src/oauth/store';

const db = useTestDatabase();
const hoursAgo = (hours: number) => new Date(Date.now() - hours * 60 * 60 * 1000);
const remaining = async (table: string) => (await db.knex(table).pluck('id')).sort();

describe('purgeExpired', () => {
  it('deletes codes a day past their expiry and keeps the rest', async () => {
    const client = await buildClient(db.knex);
    const old = await buildAuthorizationCode(db.knex, { client_id: client.id, expires_at: hoursAgo(25) });
    const oldSpent = await buildAuthorizationCode(db.knex, {
      client_id: client.id,
      expires_at: hoursAgo(48),
      consumed_at: hoursAgo(48),
    });
    const recentlyExpired = await buildAuthorizationCode(db.knex, { client_id: client.id, expires_at: hoursAgo(23) });
    const live = await buildAuthorizationCode(db.knex, { client_id: client.id });
    expect(await purgeExpired(db.knex)).toEqual({ tokens: 0, codes: 2 });
    expect(await remaining('oauth_authorization_codes')).toEqual([recentlyExpired.id, live.id].sort());
    expect(old.id).not.toBe(oldSpent.id);
  });

  it('keeps a token row while its refresh token lives (a rotated one too: reuse must still revoke the family)', async () => {
    const client = await buildClient(db.knex);
    const dead = await buildToken(db.knex, {
      client_id: client.id,
      access_token_expires_at: hoursAgo(60),
      refresh_token_expires_at: hoursAgo(26),
    });
    const accessOnlyDead = await buildToken(db.knex, {
      client_id: client.id,
      access_token_expires_at: hoursAgo(26),
      refresh_token_hash: null,
      refresh_token_expires_at: null,
    });
    const accessOnlyRecent = await buildToken(db.knex, {
      client_id: client.id,
      access_token_expires_at: hoursAgo(2),
      refresh_token_hash: null,
      refresh_token_expires_at: null,
    });
    const rotated = await buildToken(db.knex, {
      client_id: client.id,
      access_token_expires_at: hoursAgo(48),
      refresh_used_at: hoursAgo(47),
    });
    const revokedButUnexpired = await buildToken(db.knex, { client_id: client.id, revoked_at: hoursAgo(30) });
    expect(await purgeExpired(db.knex)).toEqual({ tokens: 2, codes: 0 });
    expect(await remaining('oauth_tokens')).toEqual([accessOnlyRecent.id, rotated.id, revokedButUnexpired.id].sort());
    expect([dead.id, accessOnlyDead.id]).not.toContain(rotated.id);
  });

  it('goes on in batches until nothing expired is left, tokens before the codes they came from', async () => {
    const client = await buildClient(db.knex);
    const codes = [];
    for (let i = 0; i < 5; i++) {
      const code = await buildAuthorizationCode(db.knex, { client_id: client.id, expires_at: hoursAgo(30) });
      codes.push(code);
      await buildToken(db.knex, {
        client_id: client.id,
        authorization_code_id: code.id,
        access_token_expires_at: hoursAgo(40),
        refresh_token_expires_at: hoursAgo(30),
      });
    }
    const live = await buildToken(db.knex, { client_id: client.id, authorization_code_id: codes[0]!.id });
    expect(await purgeExpired(db.knex, 2)).toEqual({ tokens: 5, codes: 5 });
    expect(await remaining('oauth_tokens')).toEqual([live.id]);
    expect(await remaining('oauth_authorization_codes')).toEqual([]);
    // The live token outlives its code; only its link is cleared.
    expect(
      (await db.knex('oauth_tokens').where({ id: live.id }).first('authorization_code_id')).authorization_code_id,
    ).toBeNull();
    expect(await purgeExpired(db.knex, 2)).toEqual({ tokens: 0, codes: 0 });
  });

  it("keeps a family's start on its remaining rows: purging its first rows does not lengthen its life", async () => {
    const client = await buildClient(db.knex);
    const started = hoursAgo(91 * 24);
    const first = await buildToken(db.knex, {
      client_id: client.id,
      family_started_at: started,
      created_at: started,
      access_token_expires_at: hoursAgo(60),
      refresh_token_expires_at: hoursAgo(26),
      refresh_used_at: hoursAgo(61),
    });
    const last = await buildToken(db.knex, {
      client_id: client.id,
      family_id: first.family_id,
      family_started_at: started,
      user_id: first.user_id,
    });
    expect(await purgeExpired(db.knex)).toEqual({ tokens: 1, codes: 0 });
    const res = await request(testApp(db.db)).post('/oauth/token').type('form').send({
      grant_type: 'refresh_token',
      refresh_token: last.refresh_token,
      client_id: client.client_id,
      client_secret: client.secret,
    });
    expect(res.body.error).toBe('invalid_grant');
  });
});
