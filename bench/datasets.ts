// The bench's databases: one per dataset size, beside the database DATABASE_URL names
// (`<name>_bench_<tickets>`), created, migrated and seeded with the bulk seed once, then
// reused by later runs (seeding a million tickets takes about a minute).
import knexFactory, { type Knex } from 'knex';
import { migrateToLatest } from '../src/db';
import { migrationSource } from '../src/db/migration-source';
import { seedBulk } from '../src/seed/bulk';

export function databaseUrlFor(baseUrl: string, suffix: string | number): string {
  const url = new URL(baseUrl);
  url.pathname = `/${url.pathname.slice(1)}_${typeof suffix === 'number' ? `bench_${suffix}` : suffix}`;
  return url.toString();
}

function connect(url: string, pool = 2): Knex {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: url, application_name: 'seatshare-bench' },
    pool: { min: 0, max: pool },
    migrations: { migrationSource },
  });
}

export interface Dataset {
  url: string;
  tickets: number;
  seededSeconds: number | null; // null: it was already there
}

/** The database `<name>_<suffix>` beside DATABASE_URL's, created when missing; its URL. */
export async function ensureDatabase(baseUrl: string, suffix: string | number): Promise<string> {
  const url = databaseUrlFor(baseUrl, suffix);
  const name = new URL(url).pathname.slice(1);
  const admin = connect(baseUrl, 1);
  try {
    const exists = await admin('pg_database')
      .where({ datname: name })
      .first<{ datname: string } | undefined>('datname');
    if (!exists) await admin.raw(`create database "${name}"`);
  } finally {
    await admin.destroy();
  }
  return url;
}

export async function ensureDataset(baseUrl: string, tickets: number, log: (line: string) => void): Promise<Dataset> {
  const url = await ensureDatabase(baseUrl, tickets);
  const name = new URL(url).pathname.slice(1);
  const knex = connect(url);
  try {
    await migrateToLatest(knex);
    const n = Number((await knex.raw<{ rows: [{ n: string }] }>('select count(*) as n from tickets')).rows[0].n);
    if (Number(n) >= tickets) return { url, tickets: Number(n), seededSeconds: null };
    if (Number(n) > 0)
      throw new Error(`${name} holds ${n} tickets, fewer than ${tickets}: drop it (dropdb ${name}) and run again.`);
    log(`seeding ${tickets} tickets into ${name}…`);
    const started = Date.now();
    const seeded = await seedBulk(knex, { tickets });
    return { url, tickets: seeded.tickets, seededSeconds: (Date.now() - started) / 1000 };
  } finally {
    await knex.destroy();
  }
}
