// Migrations are recorded by name without their extension, so a database migrated by the
// compiled server (.js) is also current for tests and tsx (.ts), and the other way round.
// knex's default source records "…_init.js" and then calls the folder corrupt under .ts.
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';

export const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'migrations');
const EXTENSION = path.extname(__filename); // ".ts" from sources, ".js" from dist/

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations() {
    return Promise.resolve(
      fs
        .readdirSync(MIGRATIONS_DIR)
        .filter((file) => file.endsWith(EXTENSION) && !file.endsWith('.d.ts'))
        .map((file) => path.basename(file, EXTENSION))
        .sort(),
    );
  },
  getMigrationName(name) {
    return name;
  },
  getMigration(name) {
    // A path known only at run time, loaded as knex's own source does (import() would need ESM under jest).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    return Promise.resolve(require(path.join(MIGRATIONS_DIR, name + EXTENSION)) as Knex.Migration);
  },
};
