// Migrates one template database per test run; each test file then gets its own copy in well
// under a second (toolchain notes §8): `CREATE DATABASE … TEMPLATE` on PostgreSQL, a restored
// data-folder dump on PGlite.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { PGlite } from '@electric-sql/pglite';
import { createDatabase, migrateToLatest } from '../src/db';
import { PGLITE_DUMP_VAR, TEMPLATE_DATABASE_VAR, withDatabase } from './helpers/environment';

export default async function globalSetup(): Promise<void> {
  process.env.NODE_ENV = 'test';
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    const template = `seatshare_test_template_${randomBytes(4).toString('hex')}`;
    const admin = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
    await admin.raw(`create database ${template}`);
    await admin.destroy();
    const db = createDatabase({ databaseUrl: withDatabase(databaseUrl, template), dataDir: '', dbPoolMax: 1 });
    await migrateToLatest(db.knex);
    await db.close(); // a template must have no open connections
    process.env[TEMPLATE_DATABASE_VAR] = template;
  } else {
    const pglite = new PGlite();
    const db = createDatabase({ databaseUrl: undefined, dataDir: '', dbPoolMax: 1 }, { pglite });
    await migrateToLatest(db.knex);
    const dump = await pglite.dumpDataDir('none');
    const file = path.join(os.tmpdir(), `seatshare-test-template-${process.pid}.tar`);
    fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    await db.close();
    process.env[PGLITE_DUMP_VAR] = file;
  }
}
