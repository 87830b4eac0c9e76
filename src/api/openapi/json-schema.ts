// zod → JSON Schema 2020-12 (the dialect of OpenAPI 3.1), with the named views as references
// to components/schemas.
import { z } from 'zod';
import { namedViews } from '../v1/views';

export type JsonSchema = Record<string, unknown>;

export const componentRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/**
 * `io: 'input'` for what clients send (a money field takes a string or a number), `'output'`
 * for what the API answers. `root`: a named view converted for its own component (not a ref).
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output', { root = false } = {}): JsonSchema {
  if (!root && namedViews.has(schema)) return componentRef(namedViews.get(schema)!);
  const converted = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const view = zodSchema as unknown as z.ZodType;
      const name = namedViews.get(view);
      if (name && view !== schema) {
        for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
        Object.assign(jsonSchema, componentRef(name));
      }
      // zod writes the regular expression it checks with; the format says the same to readers
      // (and a uuid's case-insensitive flag would not survive the translation).
      if (jsonSchema.format === 'date-time' || jsonSchema.format === 'uuid' || jsonSchema.type === 'integer')
        delete jsonSchema.pattern;
    },
  }) as JsonSchema;
  delete converted.$schema;
  return converted;
}
