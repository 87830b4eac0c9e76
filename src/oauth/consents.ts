// A user's remembered grant to a client, with when it was last given. The consent page of a
// public client, shown every time (SPEC §3), says when the user last approved it. (The grant's
// writes stay in store.ts.)
import type { Knex } from 'knex';

export interface Consent {
  scope: string[];
  updated_at: Date;
}

export function findConsentWithDate(knex: Knex, userId: string, clientId: string): Promise<Consent | undefined> {
  return knex('oauth_consents').where({ user_id: userId, client_id: clientId }).first('scope', 'updated_at');
}
