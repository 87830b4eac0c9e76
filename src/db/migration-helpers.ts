// Small column helpers shared by the migrations, so every table spells keys and times alike.
import type { Knex } from 'knex';

/** `id uuid primary key default gen_random_uuid()` */
export function uuidPrimaryKey(knex: Knex, table: Knex.CreateTableBuilder): void {
  table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
}

/** `created_at` and `updated_at`, both timestamptz not null default now(). */
export function timestamps(knex: Knex, table: Knex.CreateTableBuilder): void {
  table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
}

/** A CHECK that a text column is 1..max characters (after the API trims it). */
export function lengthCheck(column: string, min: number, max: number): string {
  return `char_length(${column}) between ${min} and ${max}`;
}
