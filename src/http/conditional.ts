// Conditional requests (SPEC §8, RFC 9110 §13): the one home of ETag, If-None-Match and If-Match.
//
// A record's tag is strong and derived from versions, never from the rendered body: `viewTag(parts)`
// hashes what a resource's presenter says its view depends on (the record's `version`, which a
// trigger raises on every UPDATE of its row, migrations/20261201000700_record_versions.ts, and
// the values the view takes from other rows or from the caller: names, counts, the caller's
// role). The parts come with the row the handler already loaded, so a tag costs no query and
// is known before the body is built; a write checks `If-Match` on the row it has just locked.
//
//   GET:    if (notModified(req, res, ticketTag(row))) return;  res.json(presentTicket(row));
//   write:  load with { lock: true } → authorize() → requireMatch(req, tag) → change
//
// Order of refusals on a write: 404 (not visible), 403 (the policy), then 412. RFC 9110 §13.2.1
// has the server ignore preconditions when the request would fail without them, and the order
// keeps a caller who may not see or change a record from learning anything about its versions.
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { preconditionFailed } from '../errors';

/** A record's `version` column (bigint: a string from pg, a BigInt or number from PGlite). */
export type Version = number | string | bigint;

/** One text for a version however the driver hands int8 over (pg: a string; PGlite: a BigInt). */
function canonical(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * A strong entity tag (quoted, RFC 9110 §8.8.3) for the view made of `parts`: 132 bits of
 * SHA-256 in base64url, so two different views never share a tag in practice.
 */
export function viewTag(parts: unknown[]): string {
  return tagOf(JSON.stringify(parts, canonical));
}

function tagOf(text: string): string {
  return `"${createHash('sha256').update(text).digest('base64url').slice(0, 22)}"`;
}

interface EntityTag {
  weak: boolean;
  /** With its quotes, as sent. */
  opaque: string;
}

/**
 * A precondition header's value: `*`, or the list of entity tags (RFC 9110 §13.1.1/2). A value
 * that is not a list of tags is `null` and matches nothing: ignoring a malformed If-Match would
 * let the write overwrite a change; a malformed If-None-Match just gets the full response. Split
 * at commas: our tags never hold one, so a tag that does could not have matched anyway.
 */
export function parseTags(header: string): '*' | EntityTag[] | null {
  const value = header.trim();
  if (value === '*') return '*';
  const tags: EntityTag[] = [];
  for (const item of value.split(',')) {
    const match = /^\s*(W\/)?("[\x21\x23-\x7e\x80-\xff]*")\s*$/.exec(item);
    if (!match) {
      if (item.trim() === '') continue; // "a, , b": empty list elements are allowed (RFC 9110 §5.6.1)
      return null;
    }
    tags.push({ weak: match[1] !== undefined, opaque: match[2]! });
  }
  return tags.length > 0 ? tags : null;
}

/** If-None-Match: weak comparison (RFC 9110 §13.1.2), so a W/ tag a proxy made still counts. */
function noneMatchFails(header: string, current: string): boolean {
  const tags = parseTags(header);
  if (tags === null) return false;
  return tags === '*' || tags.some((tag) => tag.opaque === current);
}

/** If-Match: strong comparison (RFC 9110 §13.1.1): a weak tag never matches. */
function matches(header: string, current: string): boolean {
  const tags = parseTags(header);
  if (tags === null) return false;
  return tags === '*' || tags.some((tag) => !tag.weak && tag.opaque === current);
}

/**
 * Sets `ETag`; on a GET or HEAD whose If-None-Match matches it, ends the response with 304 (no
 * body, the same ETag) and returns true: the handler stops there.
 */
export function notModified(req: Request, res: Response, tag: string): boolean {
  res.set('ETag', tag);
  const header = req.get('If-None-Match');
  if (header === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  if (!noneMatchFails(header, tag)) return false;
  res.status(304).end();
  return true;
}

/** `ETag` on a reply that is not conditional (a write's 200 or 201), for chaining: `withTag(res, tag).json(…)`. */
export function withTag(res: Response, tag: string): Response {
  return res.set('ETag', tag);
}

/**
 * If-Match on a PUT, PATCH or DELETE, against the tag of the record as just loaded and locked
 * (so a concurrent writer has committed or not started): 412 when it does not match. Without
 * the header, nothing is checked (writes keep working for clients that never read a tag).
 */
export function requireMatch(req: Request, tag: string): void {
  const header = req.get('If-Match');
  if (header !== undefined && !matches(header, tag)) throw preconditionFailed();
}

/**
 * If-Match on a write to a record that has no versions (a membership, an invitation): no tag
 * can match it, so only `*` (it exists) passes; anything else is 412 rather than ignored, as
 * RFC 9110 §13.1.1 asks of a server that receives the header.
 */
export function requireMatchWithoutVersion(req: Request): void {
  const header = req.get('If-Match');
  if (header !== undefined && parseTags(header) !== '*')
    throw preconditionFailed('This record has no version to match: send If-Match only with an ETag this API gave you.');
}

/**
 * A list's tag: the digest of the page as it is sent (the JSON body) with what else the reply
 * says — its query (path and parameters as sent), the caller, the total (X-Total-Count, and
 * Link follows from it). A page changes its tag exactly when its representation changes: a
 * record's change, a joined name or count, a record moving between pages, an invitation
 * turning "expired" as the clock passes. Hashing the body the list sends anyway (#18) replaced
 * hashing every loaded row before presenting it, which cost more than presenting the page.
 */
export function pageTag(req: Request, total: number, body: string): string {
  return tagOf(JSON.stringify(['page', req.originalUrl, req.caller?.userId ?? null, total]) + body);
}
