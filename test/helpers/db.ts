// One database per test file (a copy of the migrated template), emptied before every test.
//
//   const db = useTestDatabase();
//   it('…', async () => { await db.knex('users')… });
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { PGlite } from '@electric-sql/pglite';
import { createDatabase, type Database } from '../../src/db';
import { PGLITE_DUMP_VAR, TEMPLATE_DATABASE_VAR, withDatabase } from './environment';

export interface TestDatabase {
  readonly db: Database;
  readonly knex: Knex;
}

const KEEP_TABLES = new Set(['knex_migrations', 'knex_migrations_lock']);

/** A fresh, migrated database for this file. `truncate` false keeps rows between tests. */
export function useTestDatabase({ truncate = true } = {}): TestDatabase {
  let database: Database | undefined;
  let dropDatabase = async () => {};
  let tables: string[] = [];

  beforeAll(async () => {
    const databaseUrl = process.env.DATABASE_URL;
    if (databaseUrl) {
      const name = `seatshare_test_${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(4).toString('hex')}`;
      const admin = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
      await admin.raw(`create database ${name} template ${process.env[TEMPLATE_DATABASE_VAR]}`);
      database = createDatabase(
        { databaseUrl: withDatabase(databaseUrl, name), dataDir: '', dbPoolMax: 4 },
        { acquireConnectionTimeout: 5000 },
      );
      dropDatabase = async () => {
        await admin.raw(`drop database if exists ${name} with (force)`);
        await admin.destroy();
      };
    } else {
      const dump = fs.readFileSync(process.env[PGLITE_DUMP_VAR] as string);
      const pglite = new PGlite({ loadDataDir: new Blob([dump]) });
      // Loading the dump takes seconds on a busy machine: done before the 5 s acquire timeout
      // below starts counting (it failed whole files in CI under load).
      await pglite.waitReady;
      // Short acquire timeout: using the outer knex inside a transaction deadlocks on PGlite's
      // single connection; better to fail in seconds than wait a minute.
      database = createDatabase(
        { databaseUrl: undefined, dataDir: '', dbPoolMax: 1 },
        { pglite, acquireConnectionTimeout: 5000 },
      );
    }
    const rows = await database.knex('pg_tables').where({ schemaname: 'public' }).pluck('tablename');
    tables = (rows as string[]).filter((name) => !KEEP_TABLES.has(name));
  });

  if (truncate) {
    beforeEach(async () => {
      if (tables.length) await database!.knex.raw(`truncate table ${tables.map((t) => `"${t}"`).join(', ')} cascade`);
    });
  }

  afterAll(async () => {
    await database?.close();
    await dropDatabase();
  });

  return {
    get db() {
      if (!database) throw new Error('useTestDatabase(): the database is ready only inside tests and hooks');
      return database;
    },
    get knex() {
      return this.db.knex;
    },
  };
}

/**
 * Another pool on the test file's own PostgreSQL database (PostgreSQL only: PGlite has one
 * connection): a second process, a second worker, a transaction left open beside the app's.
 */
export async function openAnotherPool(knex: Knex, dbPoolMax = 1): Promise<Database> {
  const { rows } = await knex.raw<{ rows: Array<{ name: string }> }>('select current_database() as name');
  return createDatabase({
    databaseUrl: withDatabase(process.env.DATABASE_URL!, rows[0]!.name),
    dataDir: '',
    dbPoolMax,
  });
}
