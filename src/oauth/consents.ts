// A user's remembered grants to clients, for the pages: with when it was last given (the consent
// page of a public client, shown every time (SPEC §3), says when the user last approved it), and
// the list /account/authorizations shows. (The grant's writes stay in store.ts.)
import type { Knex } from 'knex';

export interface Consent {
  scope: string[];
  updated_at: Date;
}

export function findConsentWithDate(knex: Knex, userId: string, clientId: string): Promise<Consent | undefined> {
  return knex('oauth_consents').where({ user_id: userId, client_id: clientId }).first('scope', 'updated_at');
}

/** An application the user authorized, as /account/authorizations lists it. */
export interface Authorization {
  client_id: string; // the client's public identifier
  name: string;
  scope: string[];
  created_at: Date;
}

export function listAuthorizationsOfUser(knex: Knex, userId: string): Promise<Authorization[]> {
  return knex('oauth_consents as g')
    .join('oauth_clients as c', 'c.id', 'g.client_id')
    .where('g.user_id', userId)
    .orderBy('c.name')
    .select('c.client_id', 'c.name', 'g.scope', 'g.created_at');
}
