// Registered OAuth applications. A confidential client gets a secret, returned once and kept
// only as a digest; a public client (mobile app, single-page app) has none and must use PKCE.
import type { Knex } from 'knex';
import { z } from 'zod';
import { isUuid } from '../policies/ids';
import { generateClientId, generateToken, hashToken } from '../security/tokens';
import { isLocalhostRedirectUri } from './redirect-uris';

export interface ClientRow {
  id: string;
  client_id: string;
  name: string;
  owner_id: string | null;
  client_type: 'confidential' | 'public';
  secret_hash: string | null;
  redirect_uris: string[];
  created_at: Date;
  updated_at: Date;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * RFC 9700 §2.1 / RFC 8252: redirect URIs are absolute, carry no fragment, and use https —
 * except loopback addresses (native apps, development) and private-use schemes of native
 * apps (`com.example.app:/callback`). Matching at the authorization endpoint is exact.
 */
export function redirectUriProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.hash || value.includes('#')) return 'must not contain a fragment (#)';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:')
    return LOOPBACK_HOSTS.has(url.hostname)
      ? undefined
      : 'must use https (http is allowed only for loopback: 127.0.0.1 or [::1])';
  if (['javascript:', 'data:', 'file:', 'vbscript:', 'blob:', 'about:'].includes(url.protocol))
    return 'uses a scheme that is not allowed';
  // A native app's private-use scheme: reverse domain name, RFC 8252 §7.1.
  return /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol)
    ? undefined
    : 'must be https, http on 127.0.0.1, or an app scheme like com.example.app:/callback';
}

export const redirectUriSchema = z
  .string()
  .trim()
  .max(2000, 'must be at most 2000 characters')
  .superRefine((value, ctx) => {
    const problem = redirectUriProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const LOCALHOST_REFUSED =
  'use http://127.0.0.1 (or http://[::1]) instead of localhost: any port is accepted there, ' +
  'and localhost may not resolve to this device (RFC 8252 §8.3)';

function isLocalhost(uri: string): boolean {
  if (isLocalhostRedirectUri(uri)) return true;
  try {
    const url = new URL(uri); // also `http://localhost\cb`, which URL reads as host localhost
    return url.protocol === 'http:' && url.hostname === 'localhost';
  } catch {
    return false;
  }
}

/**
 * Redirect URIs of a registration (developer pages, CLI): no new `http://localhost…`. `kept`
 * are URIs the application already has: existing registrations keep working through an edit.
 */
export function registrableRedirectUris(kept: readonly string[] = []) {
  const uri = redirectUriSchema.refine((value) => kept.includes(value) || !isLocalhost(value), LOCALHOST_REFUSED);
  return z.array(uri).min(1, 'needs at least one redirect URI').max(20, 'at most 20 redirect URIs');
}

export const newClientSchema = z.object({
  name: z.string().trim().min(1, 'must not be blank').max(100, 'must be at most 100 characters'),
  redirect_uris: z
    .array(redirectUriSchema)
    .min(1, 'needs at least one redirect URI')
    .max(20, 'at most 20 redirect URIs'),
  client_type: z.enum(['confidential', 'public']),
  owner_id: z.uuid().nullable().default(null),
});

export type NewClient = z.input<typeof newClientSchema>;

/** A new registration by the operators (CLI) or a user; `createClient` itself also takes the demo's. */
export const newRegistrationSchema = newClientSchema.extend({ redirect_uris: registrableRedirectUris() });

/** A client with who registered it, for the authorization endpoint's pages. */
export interface ClientWithOwner extends ClientRow {
  owner_first_name: string | null;
  owner_last_name: string | null;
  owner_email: string | null;
}

export function findClientWithOwner(knex: Knex, clientId: string): Promise<ClientWithOwner | undefined> {
  return knex('oauth_clients as c')
    .leftJoin('users as u', 'u.id', 'c.owner_id')
    .where('c.client_id', clientId)
    .first('c.*', 'u.first_name as owner_first_name', 'u.last_name as owner_last_name', 'u.email as owner_email');
}

export interface CreatedClient {
  client: ClientRow;
  /** The plain secret, for confidential clients only; it cannot be shown again. */
  clientSecret: string | undefined;
}

export async function createClient(knex: Knex, input: NewClient): Promise<CreatedClient> {
  const client = newClientSchema.parse(input);
  const clientSecret = client.client_type === 'confidential' ? generateToken('client_secret') : undefined;
  const [row] = await knex<ClientRow>('oauth_clients')
    .insert({
      client_id: generateClientId(),
      name: client.name,
      owner_id: client.owner_id,
      client_type: client.client_type,
      secret_hash: clientSecret ? hashToken(clientSecret) : null,
      redirect_uris: [...new Set(client.redirect_uris)],
    })
    .returning('*');
  return { client: row as ClientRow, clientSecret };
}

// --- A user's own applications (/developer/applications) ---------------------------------------
// Each takes the acting user: an application of someone else is not found, and not changed.

export function listClientsOfOwner(knex: Knex, ownerId: string): Promise<ClientRow[]> {
  return knex<ClientRow>('oauth_clients').where({ owner_id: ownerId }).orderBy('created_at', 'desc');
}

/** One of the user's applications by its primary key; undefined for another's or a malformed id. */
export async function findClientOfOwner(knex: Knex, ownerId: string, id: string): Promise<ClientRow | undefined> {
  if (!isUuid(id)) return undefined;
  return knex<ClientRow>('oauth_clients').where({ id, owner_id: ownerId }).first();
}

export async function updateClientOfOwner(
  knex: Knex,
  ownerId: string,
  id: string,
  fields: { name: string; redirect_uris: string[] },
): Promise<void> {
  await knex('oauth_clients')
    .where({ id, owner_id: ownerId })
    .update({ name: fields.name, redirect_uris: [...new Set(fields.redirect_uris)], updated_at: knex.fn.now() });
}

/** A new secret for a confidential application: returned once, kept only as a digest. */
export async function rotateClientSecretOfOwner(knex: Knex, ownerId: string, id: string): Promise<string> {
  const secret = generateToken('client_secret');
  await knex('oauth_clients')
    .where({ id, owner_id: ownerId })
    .update({ secret_hash: hashToken(secret), updated_at: knex.fn.now() });
  return secret;
}

/** Its codes, tokens and consents go with it (foreign keys cascade). */
export async function deleteClientOfOwner(knex: Knex, ownerId: string, id: string): Promise<void> {
  await knex('oauth_clients').where({ id, owner_id: ownerId }).del();
}
