// One knex instance over either database. Feature code never asks which one it got:
// the same migrations and the same SQL run on both (CI runs every test on both).
import path from 'node:path';
import fs from 'node:fs';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { PgliteClient } from './pglite-client';
import { migrationSource } from './migration-source';
import { lockDataDir } from './data-dir-lock';

// PGlite returns bigint (count(*)) as a number, pg as a string; make pg agree.
// Counts here stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export type DatabaseMode = 'embedded' | 'postgres';

export interface Database {
  knex: Knex;
  mode: DatabaseMode;
  /** Connections the pool may open: 1 on the embedded database. */
  poolSize: number;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Tests hand in a ready PGlite instance (loaded from a migrated template). */
  pglite?: PGlite;
  /** Overrides config.dbPoolMax (the CLI needs only a couple of connections). */
  poolMax?: number;
  /** Fail fast instead of waiting for a pooled connection (tests surface deadlocks). */
  acquireConnectionTimeout?: number;
  /** Where knex's own warnings go (it writes to the console otherwise). */
  logger?: Logger;
}

function knexLog(logger: Logger | undefined): Knex.Config['log'] {
  if (!logger) return undefined;
  const text = (message: unknown) =>
    typeof message === 'string' ? message : String((message as Error)?.message ?? message);
  return {
    warn: (message) => logger.warn({ source: 'knex' }, text(message)),
    error: (message) => logger.error({ source: 'knex' }, text(message)),
    deprecate: (method, alternative) => logger.warn({ source: 'knex' }, `${method} is deprecated, use ${alternative}`),
    debug: (message) => logger.debug({ source: 'knex' }, text(message)),
  };
}

export function createDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolMax'>,
  options: DatabaseOptions = {},
): Database {
  const acquireConnectionTimeout = options.acquireConnectionTimeout ?? 10_000;
  const migrations = { migrationSource, tableName: 'knex_migrations' };
  const log = knexLog(options.logger);
  // By default knex writes a failed query's bound values into its error message wherever the
  // SQL still has `?` placeholders: session ids, join codes and emails would reach the error log.
  // Off, the message has the SQL as sent. (PGlite's own errors carried them too: pglite-client.ts.)
  const compileSqlOnError = false;

  if (config.databaseUrl && !options.pglite) {
    const poolSize = options.poolMax ?? config.dbPoolMax;
    const knex = knexFactory({
      client: 'pg',
      connection: { connectionString: config.databaseUrl, application_name: 'seatshare' },
      pool: { min: 0, max: poolSize },
      acquireConnectionTimeout,
      migrations,
      log,
      compileSqlOnError,
    });
    return { knex, mode: 'postgres', poolSize, close: () => knex.destroy() };
  }

  let release = () => {};
  let connection: unknown;
  if (options.pglite) {
    const pglite = options.pglite;
    connection = () => ({ pglite });
  } else {
    release = lockDataDir(config.dataDir);
    const dir = path.join(config.dataDir, 'pglite');
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    connection = { filename: dir };
  }
  const knex = knexFactory({
    client: PgliteClient as unknown as typeof knexFactory.Client,
    connection: connection as Knex.StaticConnectionConfig,
    acquireConnectionTimeout,
    migrations,
    log,
    compileSqlOnError,
  });
  return {
    knex,
    mode: 'embedded',
    poolSize: 1,
    async close() {
      try {
        await knex.destroy();
      } finally {
        release();
      }
    },
  };
}

export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest()) as [number, string[]];
  return applied;
}
