// Authentication of every /api/v1 request (SPEC §4): `Authorization: Bearer <OAuth access
// token>` — scheme case-insensitive, a trailing `;` tolerated, as the SeatShare docs show —
// or `Authorization: Token <personal token>`. One indexed lookup by digest; the token's scopes
// then decide: `read` for GET/HEAD, `write` for everything else.
import type { Request, RequestHandler } from 'express';
import type { Knex } from 'knex';
import { HttpError } from '../errors';
import { hashToken } from '../security/tokens';
import { findActiveAccessToken } from '../oauth/store';
import { findUsablePersonalToken, markPersonalTokenUsed } from './personal-tokens';

export interface ApiCaller {
  userId: string;
  scope: string[];
  via: 'oauth' | 'personal';
  tokenId: string;
}

declare global {
  namespace Express {
    interface Request {
      caller?: ApiCaller;
    }
  }
}

const REALM = 'Bearer realm="seatshare"';
const LAST_USED_PRECISION_MS = 60_000; // personal tokens' "last used", at most one write a minute
export const MAX_AUTHORIZATION_BYTES = 4096;

function unauthorized(detail: string, tokenGiven: boolean): HttpError {
  const challenge = tokenGiven
    ? `${REALM}, error="invalid_token", error_description="${detail.replace(/"/g, "'")}"`
    : REALM;
  return new HttpError(401, detail, { headers: { 'WWW-Authenticate': challenge } });
}

/**
 * `Bearer abc`, `bearer abc;`, `Token abc` → scheme and credential; undefined when unparseable.
 * The accepted forms are exactly `^\s*(bearer|token)\s+([^\s;]+)\s*;?\s*$`/i, but that regex
 * backtracks quadratically on trailing whitespace (`\s*;?\s*` splits n spaces n² ways before
 * failing: 16 000 spaces held the event loop ~250 ms, unauthenticated). So it is scanned in
 * steps that each pass over the string once: trim (the same whitespace as `\s`), one optional
 * `;`, the first whitespace, single-character searches.
 */
export function parseAuthorization(header: string): { scheme: 'bearer' | 'token'; credential: string } | undefined {
  let rest = header.trim();
  if (rest.endsWith(';')) rest = rest.slice(0, -1).trimEnd();
  const gap = rest.search(/\s/);
  if (gap < 0) return undefined;
  const scheme = rest.slice(0, gap);
  // A regex rather than toLowerCase(), which would also map the Kelvin sign to "k" ("To\u212Aen").
  if (!/^(?:bearer|token)$/i.test(scheme)) return undefined;
  const credential = rest.slice(gap).trimStart();
  if (credential === '' || /[\s;]/.test(credential)) return undefined;
  return { scheme: scheme.toLowerCase() as 'bearer' | 'token', credential };
}

async function lookUp(knex: Knex, scheme: 'bearer' | 'token', credential: string): Promise<ApiCaller | undefined> {
  const digest = hashToken(credential);
  if (scheme === 'bearer') {
    const row = await findActiveAccessToken(knex, digest);
    return row && { userId: row.user_id, scope: row.scope, via: 'oauth', tokenId: row.id };
  }
  const row = await findUsablePersonalToken(knex, digest);
  if (!row) return undefined;
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > LAST_USED_PRECISION_MS) {
    await markPersonalTokenUsed(knex, row.id);
  }
  return { userId: row.user_id, scope: row.scope, via: 'personal', tokenId: row.id };
}

export function requiredScope(req: Request): 'read' | 'write' {
  return req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' ? 'read' : 'write';
}

export function apiAuthentication(knex: Knex): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (!header)
      throw unauthorized('Authentication is required: send Authorization: Bearer <token> or Token <token>.', false);
    // Refused unparsed: no credential of ours comes near 4 kB. Node reads header values as
    // latin1, one character per byte, so the length is the size on the wire.
    if (header.length > MAX_AUTHORIZATION_BYTES)
      throw unauthorized('The Authorization header is larger than 4 kB.', true);
    const parsed = parseAuthorization(header);
    if (!parsed) throw unauthorized('The Authorization header is not a Bearer or Token credential.', true);
    const caller = await lookUp(knex, parsed.scheme, parsed.credential);
    if (!caller) throw unauthorized('The token is invalid, expired or revoked.', true);
    const scope = requiredScope(req);
    if (!caller.scope.includes(scope)) {
      throw new HttpError(403, `This token lacks the "${scope}" scope.`, {
        headers: { 'WWW-Authenticate': `${REALM}, error="insufficient_scope", scope="${scope}"` },
      });
    }
    req.caller = caller;
    next();
  };
}
