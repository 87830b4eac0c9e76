// Record ids are UUIDs. A malformed id names nothing the caller can see: lookups answer
// "not found" for it without a query (and without PostgreSQL's 22P02).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
