// For tools that expect a knexfile (`knex migrate:status` under tsx). The app and
// `npm run migrate` use src/db (createDatabase) instead. Like it, this takes the embedded
// database's lock, so a tool never writes beside a running server.
import type { Knex } from 'knex';
import { loadConfig } from './src/config';
import './src/db'; // int8 → number, as everywhere else
import { lockDataDir } from './src/db/data-dir-lock';
import { migrationSource } from './src/db/migration-source';
import { PgliteClient } from './src/db/pglite-client';

const config = loadConfig();

function embedded(): Knex.Config {
  lockDataDir(config.dataDir); // released when the process exits
  return {
    client: PgliteClient as unknown as Knex.Config['client'],
    connection: { filename: `${config.dataDir}/pglite` },
    migrations: { migrationSource },
  };
}

const knexConfig: Knex.Config = config.databaseUrl
  ? { client: 'pg', connection: config.databaseUrl, migrations: { migrationSource } }
  : embedded();

export default knexConfig;
