// `Idempotency-Key` on the API's POSTs (SPEC §8; the IETF httpapi Idempotency-Key draft, as
// Stripe does it). A POST sent with a key is done once per key and user for 24 hours:
//   - the first request claims the key (an in-progress row, committed before the handler runs),
//     runs, and its response is stored before it is sent;
//   - a retry with the same request (method, path and JSON body) gets the stored response —
//     status, headers that matter, the body byte for byte — with `Idempotent-Replayed: true`,
//     and runs nothing;
//   - the same key for another request is 422; a retry while the first still runs is 409.
//
// It runs as the last guard of /api/v1 (src/api/v1/index.ts): after authentication, because
// keys are the user's (two users may pick the same key), and before validation, so a request
// the handler refuses is answered by the handler as usual. POST /api/authenticate has no
// authenticated caller to scope a key to, and minting a second token is harmless: no key there.
//
// Only successes are stored. Every 4xx of the API is raised before its write or rolls back
// with its transaction, so it changed nothing, and neither did a 5xx: the key is released and
// a retry runs afresh (a corrected body after a 400, a request once the caller became admin, a
// retry after a 429 or a database outage). Stripe likewise keeps no result for a request that
// failed validation or never ran.
//
// The stored body can hold secrets — a group's new join code, an invitation's single-use code
// (POST /groups, /groups/:id/invitation_code, /groups/:id/invitations): a replay must return
// the same answer, so they are stored as sent. Only the same user, sending the same key and
// request, reads the row back, and it is purged a day later (or with the account).
import { createHash, randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import { conflict, HttpError, validationFailed } from '../errors';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  type ExistingKey,
  type HeldKey,
} from './idempotency-store';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
/** 1 to 255 printable ASCII characters (Node has already trimmed surrounding whitespace). */
const KEY_FORMAT = /^[\x20-\x7e]{1,255}$/;
/** Response headers replayed with the body; the others are the replay's own (request id, rate limits). */
const REPLAYED_HEADERS = ['content-type', 'location', 'etag'];
/** No body of the API nests this deep; deeper ones are refused before they are walked. */
const MAX_DEPTH = 32;
/** A claim can vanish between the claim and the read (a release): claim again, a few times. */
const CLAIM_ATTEMPTS = 3;

const KEY_PROBLEM = 'must be 1 to 255 printable ASCII characters';
const DIFFERENT_REQUEST =
  'This Idempotency-Key was used for a different request (method, path or body) in the last 24 hours. ' +
  'Send a new key with a new request.';
const IN_PROGRESS = 'A request with this Idempotency-Key is still in progress. Retry it once that one has finished.';

/** JSON with object keys sorted, so key order and whitespace do not change the request's identity. */
function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_DEPTH) throw validationFailed({ body: [`nests deeper than ${MAX_DEPTH} levels`] });
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, depth + 1)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const members = Object.keys(object)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${canonicalJson(object[name], depth + 1)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 of the method, the path (with its query) and the canonical JSON body (none reads as `{}`). */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${url}\n${canonicalJson(body ?? {})}`)
    .digest('hex');
}

function idempotencyKey(req: Request): string | undefined {
  const value = req.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !KEY_FORMAT.test(value))
    throw validationFailed(
      { [IDEMPOTENCY_KEY_HEADER]: [KEY_PROBLEM] },
      `The ${IDEMPOTENCY_KEY_HEADER} header is not valid.`,
    );
  return value;
}

function replay(res: Response, stored: ExistingKey & { response_status: number }): void {
  res.status(stored.response_status);
  res.set(stored.response_headers ?? {});
  res.set(REPLAYED_HEADER, 'true');
  if (stored.response_body === null) res.end();
  else res.send(stored.response_body);
}

function bodyText(chunk: unknown): string | null {
  if (typeof chunk === 'string') return chunk;
  if (Buffer.isBuffer(chunk)) return chunk.toString('utf8');
  return null;
}

function replayedHeaders(res: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = res.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  return headers;
}

/**
 * Holds back the response until its outcome is stored (a success) or the key released (any
 * other status), so a client that has the answer finds the key settled when it retries. The
 * response goes out even when that write fails; the claim then ends with its lease.
 */
function settleBeforeSending(knex: Knex, req: Request, res: Response, held: HeldKey): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((...args: unknown[]) => {
    res.end = end as Response['end'];
    const status = res.statusCode;
    const settled =
      status >= 200 && status < 300
        ? completeIdempotencyKey(knex, held, {
            status,
            headers: replayedHeaders(res),
            body: bodyText(typeof args[0] === 'function' ? undefined : args[0]),
          })
        : releaseIdempotencyKey(knex, held);
    settled
      .catch((error: unknown) => req.log.error({ err: error }, 'could not settle an idempotency key'))
      .finally(() => end(...args));
    return res;
  }) as Response['end'];
}

/** The middleware; a guard after apiAuthentication (it needs `req.caller`). */
export function idempotentPosts(knex: Knex): RequestHandler {
  return async (req, res, next) => {
    if (req.method !== 'POST') return next();
    const key = idempotencyKey(req);
    if (key === undefined) return next();
    if (!req.caller) throw new Error('idempotentPosts() must run after apiAuthentication()');
    const request = {
      userId: req.caller.userId,
      key,
      fingerprint: requestFingerprint('POST', req.originalUrl, req.body),
    };
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const outcome = await claimIdempotencyKey(knex, request, randomUUID());
      if (outcome.claimed) {
        settleBeforeSending(knex, req, res, outcome.held);
        return next();
      }
      const { existing } = outcome;
      if (!existing) continue; // released since the claim was refused: claim it now
      if (existing.fingerprint !== request.fingerprint) throw new HttpError(422, DIFFERENT_REQUEST);
      if (existing.response_status === null) throw conflict(IN_PROGRESS);
      return replay(res, { ...existing, response_status: existing.response_status });
    }
    throw conflict(IN_PROGRESS);
  };
}
