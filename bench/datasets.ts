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

/** A connection to a bench database, able to migrate it. */
export function connect(url: string, pool = 2): Knex {
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

/**
 * Vacuums a dataset once, after seeding. A freshly bulk-loaded table is not what a running
 * service reads: the first reads of each page still set its hint bits (writing it), the
 * visibility map is empty, and autovacuum comes to do both a while later — during a
 * measurement, if we let it. Run 1 of 2026-12-01 measured the 10 M point minutes after its seed:
 * 1.47× the 10 k point.
 */
async function settle(knex: Knex, name: string, log: (line: string) => void): Promise<void> {
  const { rows } = await knex.raw<{ rows: { vacuumed: boolean }[] }>(
    `select coalesce(last_vacuum, last_autovacuum) is not null as vacuumed
       from pg_stat_user_tables where relname = 'tickets'`,
  );
  if (rows[0]?.vacuumed) return;
  log(`vacuuming ${name}…`);
  await knex.raw('vacuum (analyze)');
}

export async function ensureDataset(baseUrl: string, tickets: number, log: (line: string) => void): Promise<Dataset> {
  const url = await ensureDatabase(baseUrl, tickets);
  const name = new URL(url).pathname.slice(1);
  const knex = connect(url);
  try {
    await migrateToLatest(knex);
    const n = Number((await knex.raw<{ rows: [{ n: string }] }>('select count(*) as n from tickets')).rows[0].n);
    if (Number(n) >= tickets) {
      await settle(knex, name, log); // a dataset seeded before settling existed
      return { url, tickets: Number(n), seededSeconds: null };
    }
    if (Number(n) > 0)
      throw new Error(`${name} holds ${n} tickets, fewer than ${tickets}: drop it (dropdb ${name}) and run again.`);
    log(`seeding ${tickets} tickets into ${name}…`);
    const started = Date.now();
    const seeded = await seedBulk(knex, { tickets });
    await settle(knex, name, log);
    return { url, tickets: seeded.tickets, seededSeconds: (Date.now() - started) / 1000 };
  } finally {
    await knex.destroy();
  }
}
