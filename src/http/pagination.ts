// Lists (SPEC §4): `limit` (default 50, at most 500) and `offset`; the total in
// `X-Total-Count`; `Link` (RFC 8288) with rel="next" / rel="prev" where they exist.
import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { selectPrepared } from '../db/prepared';
import { notModified, pageTag } from './conditional';

export const MAX_LIMIT = 500;

function wholeNumber(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,9}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);
}

/** Spread into a list's query schema. */
export const pageFields = {
  // The query string carries text; the document says what the text must hold.
  limit: wholeNumber(1, MAX_LIMIT)
    .meta({ type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 50, description: 'Page size.' })
    .default(50),
  offset: wholeNumber(0, 1_000_000_000)
    .meta({ type: 'integer', minimum: 0, default: 0, description: 'How many records to skip.' })
    .default(0),
};

export interface Page {
  limit: number;
  offset: number;
}

/**
 * One page of `query` and the total in the same statement (`count(*) over ()`). Only a page
 * past the end needs a second statement to learn the total.
 */
async function fetchPage<T>(
  db: Knex,
  query: Knex.QueryBuilder,
  { limit, offset }: Page,
): Promise<{ rows: T[]; total: number }> {
  const rows = await selectPrepared<T & { total_count?: number | string }>(db, pageQuery(db, query, { limit, offset }));
  if (rows.length > 0) {
    const total = Number(rows[0]!.total_count);
    for (const row of rows) delete row.total_count;
    return { rows, total };
  }
  if (offset === 0) return { rows: [], total: 0 };
  const [counted] = await db
    .count<Array<{ n: number | string }>>({ n: '*' })
    .from(query.clone().clearOrder().as('page'));
  return { rows: [], total: Number(counted?.n ?? 0) };
}

/** The statement fetchPage sends first (also what scripts/explain-lists.ts explains). */
export function pageQuery(db: Knex, query: Knex.QueryBuilder, { limit, offset }: Page): Knex.QueryBuilder {
  return query.clone().select(db.raw('count(*) over () as total_count')).limit(limit).offset(offset);
}

/**
 * The end of every list handler, for a router's database and base URL: one page of `query`,
 * its headers, and the rows presented one by one (never `rows.map(present)`: a presenter's
 * options would receive the index).
 *
 *   const sendPage = pageSender(knex, config.baseUrl);
 *   await sendPage(req, res, listGroups(knex, actor), page, presentGroup);
 */
export function pageSender(db: Knex, baseUrl: string) {
  return async <T>(req: Request, res: Response, query: Knex.QueryBuilder, page: Page, present: (row: T) => unknown) => {
    const { rows, total } = await fetchPage<T>(db, query, page);
    setPageHeaders(req, res, baseUrl, page, total);
    const body = JSON.stringify(rows.map((row) => present(row)));
    if (notModified(req, res, pageTag(req, total, body))) return; // ETag, and 304 when the client has this page
    res.type('json').send(body);
  };
}

function setPageHeaders(req: Request, res: Response, baseUrl: string, { limit, offset }: Page, total: number): void {
  res.set('X-Total-Count', String(total));
  const link = (rel: string, at: number) => {
    const url = new URL(baseUrl.replace(/\/+$/, '') + req.originalUrl);
    url.searchParams.set('limit', String(limit));
    url.searchParams.set('offset', String(at));
    return `<${url.href}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (offset + limit < total) links.push(link('next', offset + limit));
  if (offset > 0) links.push(link('prev', Math.max(0, Math.min(offset - limit, total - limit))));
  if (links.length) res.set('Link', links.join(', '));
}
