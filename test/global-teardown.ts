import fs from 'node:fs';
import knexFactory from 'knex';
import { PGLITE_DUMP_VAR, TEMPLATE_DATABASE_VAR } from './helpers/environment';

export default async function globalTeardown(): Promise<void> {
  const template = process.env[TEMPLATE_DATABASE_VAR];
  if (template && process.env.DATABASE_URL) {
    const admin = knexFactory({ client: 'pg', connection: process.env.DATABASE_URL, pool: { min: 0, max: 1 } });
    await admin.raw(`drop database if exists ${template} with (force)`);
    await admin.destroy();
  }
  const dump = process.env[PGLITE_DUMP_VAR];
  if (dump) fs.rmSync(dump, { force: true });
}
