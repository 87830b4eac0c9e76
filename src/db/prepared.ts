// Hot reads as named (prepared) statements. knex sends unnamed statements, which PostgreSQL
// plans on every run; a named one is parsed and planned once per connection, and after five
// runs PostgreSQL may keep a generic plan. For the ticket list's six-table join planning was
// the larger part of the work (EXPLAIN ANALYZE: 12.8 ms planning, 1.2 ms execution, cold),
// and npm run bench shows what naming them gains. The name is a digest of the SQL text, so
// one text always has one name; values stay parameters.
//
// Hot writes that are one statement (the code exchange's spend-and-issue) go the same way
// through rawPrepared.
//
// Inside a transaction they run on the transaction's connection (knex's transaction client
// hands out that one): the PATCH of a ticket reads its big presented row, locked, and again
// after the write, and planning them on every request was most of its PostgreSQL CPU (#18).
// PGlite (one connection, in process) goes through knex as before.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

interface PgConnection {
  query(config: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: unknown[] }>;
}

/** The part of knex's (untyped) client this file uses. */
interface KnexClient {
  config: { client?: unknown };
  emit(event: 'query', data: { sql: string; bindings: readonly unknown[]; method: string; name: string }): void;
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void>;
}

const names = new Map<string, string>();

function nameOf(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    name = `ss_${createHash('sha256').update(sql).digest('base64url').slice(0, 24)}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * knex refuses a query on a finished transaction; a named statement must too: the transaction's
 * client would still hand out its connection, back in the pool by then (another request's).
 */
function refuseFinishedTransaction(db: Knex): void {
  if (db.isTransaction && (db as Knex.Transaction).isCompleted()) throw new Error('Transaction query already complete');
}

async function runNamed<T>(
  client: KnexClient,
  sql: string,
  bindings: readonly unknown[],
  method: string,
): Promise<T[]> {
  const name = nameOf(sql);
  // Listeners of knex's 'query' event (the statement-count tests) see these statements too.
  client.emit('query', { sql, bindings, method, name });
  const connection = (await client.acquireConnection()) as PgConnection;
  try {
    const result = await connection.query({ name, text: sql, values: bindings });
    return result.rows as T[];
  } finally {
    await client.releaseConnection(connection);
  }
}

export async function selectPrepared<T>(db: Knex, query: Knex.QueryBuilder): Promise<T[]> {
  const client = db.client as KnexClient;
  if (client.config.client !== 'pg') return (await query) as T[];
  refuseFinishedTransaction(db);
  const { sql, bindings } = query.toSQL().toNative();
  return runNamed<T>(client, sql, bindings, 'select');
}

/** A raw statement (a write with RETURNING, say) as a named statement; its rows. */
export async function rawPrepared<T>(db: Knex, query: Knex.Raw): Promise<T[]> {
  const client = db.client as KnexClient;
  if (client.config.client !== 'pg') return ((await query) as { rows: T[] }).rows;
  refuseFinishedTransaction(db);
  const { sql, bindings } = query.toSQL().toNative();
  return runNamed<T>(client, sql, bindings, 'raw');
}

/** The first row of a prepared select (the query should say `limit 1` or `.first()`-like). */
export async function selectFirstPrepared<T>(db: Knex, query: Knex.QueryBuilder): Promise<T | undefined> {
  return (await selectPrepared<T>(db, query.limit(1)))[0];
}
