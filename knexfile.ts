// For tools that expect a knexfile. The app itself uses src/db (createDatabase), which adds the
// data-folder lock and the embedded-database fixes; `npm run migrate` goes through it too.
import type { Knex } from 'knex';
import { loadConfig } from './src/config';
import { migrationSource } from './src/db/migration-source';
import { PgliteClient } from './src/db/pglite-client';

const config = loadConfig();

const knexConfig: Knex.Config = config.databaseUrl
  ? { client: 'pg', connection: config.databaseUrl, migrations: { migrationSource } }
  : {
      client: PgliteClient as unknown as Knex.Config['client'],
      connection: { filename: `${config.dataDir}/pglite` } as Knex.StaticConnectionConfig,
      migrations: { migrationSource },
    };

export default knexConfig;
