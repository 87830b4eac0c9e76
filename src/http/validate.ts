// Parse-don't-validate for requests: a zod schema in, typed data out, or a 400 with `fields`.
import type { Request } from 'express';
import type { z } from 'zod';
import { fromZodError } from '../errors';

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
