// Parse-don't-validate for requests: a zod schema in, typed data out, or a 400 with `fields`.
import type { z } from 'zod';
import { fromZodError } from '../errors';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, detail?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw fromZodError(result.error, detail);
  return result.data;
}
