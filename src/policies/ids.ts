// Record ids are UUIDs. A malformed id names nothing the caller can see: a path parameter's
// schema answers 404 for it (api/v1/fields.ts, `recordId`), and lookups by ids from queries
// and bodies answer "not found" without a query (and without PostgreSQL's 22P02).
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
