// The sync point of delta sync (SPEC §8): the time a client sends back as `updated_since` and
// `since` in its next round, in the `X-Sync-Time` header of /deletions and of lists asked with
// `updated_since`.
//
// Why not simply now(): `updated_at = now()` and a tombstone's `deleted_at` are the *start* of
// their transaction. A transaction that started before this request and commits after it has
// read carries a time before now(), which a client syncing from now() would never see. So the
// sync point is the start of the oldest transaction running in this database (pg_stat_activity's
// xact_start, our own statement's included, so never later than now()): every change not yet
// visible to the read that follows belongs to a transaction that started at or after it. A
// client may see a record twice (harmless: it upserts), never miss one. On the embedded
// database (one connection, transactions one at a time) this is now(). PostgreSQL shows
// xact_start of another role's sessions only to roles with pg_read_all_stats: the application
// writes with one role, which sees its own.
//
// Read in a statement before the page's, so the page's snapshot is at least as recent.
// Microseconds are kept (PostgreSQL's precision), rounded down, never up.
import type { Response } from 'express';
import type { Knex } from 'knex';

const ISO_MICROSECONDS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

export interface SyncPoint {
  /** The sync point, ISO 8601 in UTC with microseconds. */
  syncTime: string;
  /** `since` is older than the retention: what happened before it may have been purged. */
  beforeRetention: boolean;
}

/** The sync point now; with `since`, whether it reaches further back than `retentionDays`. */
export async function readSyncPoint(db: Knex, since?: string, retentionDays = 0): Promise<SyncPoint> {
  const { rows } = await db.raw<{ rows: Array<{ sync_time: string; before_retention: boolean | null }> }>(
    `select to_char(least(now(), (select min(xact_start) from pg_stat_activity
                                   where datname = current_database() and xact_start is not null
                                     and backend_type = 'client backend'))
                    at time zone 'UTC', ${ISO_MICROSECONDS}) as sync_time,
            ?::timestamptz < now() - make_interval(days => ?) as before_retention`,
    [since ?? null, retentionDays],
  );
  const row = rows[0]!;
  return { syncTime: row.sync_time, beforeRetention: row.before_retention === true };
}

export const SYNC_TIME_HEADER = 'X-Sync-Time';

/** Sets `X-Sync-Time` (a list asked with `updated_since`: one more statement, only then). */
export async function sendSyncTime(db: Knex, res: Response): Promise<void> {
  res.set(SYNC_TIME_HEADER, (await readSyncPoint(db)).syncTime);
}
