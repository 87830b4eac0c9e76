// Secrets SeatShare hands out (client secrets, codes, access/refresh and personal tokens) are
// 256-bit random values. At rest only their SHA-256 digest is kept: with that much entropy a
// fast digest is safe, and lookups stay one indexed equality (a slow password hash here would
// cap the token endpoint at tens of requests per second). Passwords use passwords.ts.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefixes make leaked secrets recognisable (secret scanners, logs). */
export type TokenKind = 'client_secret' | 'code' | 'access' | 'refresh' | 'personal' | 'invitation' | 'account_link';

const PREFIX: Record<TokenKind, string> = {
  client_secret: 'sss_',
  code: 'ssc_',
  access: 'ssa_',
  refresh: 'ssr_',
  personal: 'ssp_',
  invitation: 'ssi_',
  account_link: 'ssl_',
};

export function generateToken(kind: TokenKind): string {
  return PREFIX[kind] + randomBytes(32).toString('base64url');
}

/** Public client identifier: 32 hex characters, safe in URLs and forms. */
export function generateClientId(): string {
  return randomBytes(16).toString('hex');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with a stored digest. */
export function tokenMatchesHash(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
