// Parse-don't-validate for requests: a zod schema in, typed data out, or a 400 with `fields`.
import type { Request } from 'express';
import type { z } from 'zod';
import { fromZodError, notFound } from '../errors';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, detail?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw fromZodError(result.error, detail);
  return result.data;
}

/** The JSON body (an absent body counts as `{}`), parsed by `schema`. */
export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseInput(schema, req.body ?? {}, 'The request body is not valid.');
}

/** The query string (flat strings, see app.ts's query parser), parsed by `schema`. */
export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseInput(schema, req.query, 'The query parameters are not valid.');
}

/**
 * The path parameters, parsed by `schema`. What it refuses (a malformed id) names no record the
 * caller can see: the same 404 as a lookup that finds nothing (SPEC §4), not a 400.
 */
export function parsePath<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const result = schema.safeParse(req.params);
  if (!result.success) throw notFound();
  return result.data;
}
