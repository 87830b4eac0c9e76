// Background work (SPEC §1): deleting expired sessions, codes, tokens, account links and
// idempotency keys, old sent mail and old delta-sync tombstones, once per deployment — not once
// per worker or instance.
// Every process keeps the timer (any may be the one left standing), but a run does the work
// only while it holds a PostgreSQL advisory lock; a run that finds it held skips, because
// another process is doing the same work then.
//
// The lock is transaction-scoped, taken by a "lease" transaction that does nothing else, so it
// goes away with its connection if the process dies. On PostgreSQL the work runs on the other
// pool connections, one short statement per batch (a long transaction would keep every deleted
// row locked, and a token family being revoked would wait for it). The embedded database has
// one connection and one process: the work runs inside the lease.
import type { Knex } from 'knex';
import type { Database } from './db';
import type { Logger } from './logger';
import { purgeExpired } from './oauth/store';
import { purgeOldMail } from './mail/store';
import { purgeExpiredLinks } from './accounts/links';
import { pruneExpiredSessions } from './web/session-store';
import { purgeExpiredIdempotencyKeys } from './http/idempotency-store';
import { purgeOldTombstones } from './api/v1/deletions/public';

/** Any constant no other code uses; pg_locks shows it as an advisory lock with this objid. */
export const BACKGROUND_LOCK_KEY = 1_397_970_001;
/** With ANONYMOUS_SESSION_MS (45 min): an anonymous session is gone within the hour (SPEC §2). */
export const BACKGROUND_INTERVAL_MS = 15 * 60 * 1000;

export type Exclusive<T> = { ran: false } | { ran: true; result: T };

/** Runs `work` unless another session holds the job's lock; the lock is held while it runs. */
export async function runExclusively<T>(db: Database, work: (knex: Knex) => Promise<T>): Promise<Exclusive<T>> {
  const lease = await db.knex.transaction();
  try {
    const { rows } = await lease.raw<{ rows: Array<{ locked: boolean }> }>(
      'select pg_try_advisory_xact_lock(?) as locked',
      [BACKGROUND_LOCK_KEY],
    );
    if (!rows[0]?.locked) {
      await lease.rollback();
      return { ran: false };
    }
    const result = await work(db.poolSize > 1 ? db.knex : lease);
    await lease.commit(); // ends the transaction, and with it the lock
    return { ran: true, result };
  } catch (error) {
    if (!lease.isCompleted()) await lease.rollback();
    throw error;
  }
}

export interface BackgroundResult {
  sessions: number;
  tokens: number;
  codes: number;
  /** Outbox rows sent (or given up on) more than 30 days ago. */
  mail: number;
  /** Account links (verification, reset, email change) a day past their expiry. */
  links: number;
  /** Idempotency keys past their 24 hours. */
  idempotencyKeys: number;
  /** Delta-sync tombstones older than DELETIONS_RETENTION_DAYS. */
  tombstones: number;
}

export interface BackgroundOptions {
  /** config.deletionsRetentionDays (DELETIONS_RETENTION_DAYS). */
  deletionsRetentionDays?: number;
}

/** One run of the background work, if no other process is running it. */
export function runBackgroundWork(
  db: Database,
  { deletionsRetentionDays = 90 }: BackgroundOptions = {},
): Promise<Exclusive<BackgroundResult>> {
  return runExclusively(db, async (knex) => {
    const sessions = await pruneExpiredSessions(knex);
    const { tokens, codes } = await purgeExpired(knex);
    const mail = await purgeOldMail(knex);
    const links = await purgeExpiredLinks(knex);
    const idempotencyKeys = await purgeExpiredIdempotencyKeys(knex);
    const tombstones = await purgeOldTombstones(knex, deletionsRetentionDays);
    return { sessions, tokens, codes, mail, links, idempotencyKeys, tombstones };
  });
}

/**
 * A minute after start, so a deployment that restarts more often than every 15 minutes still
 * purges, and start-up (migrations, the first requests) does not share the database with it.
 */
export const BACKGROUND_FIRST_RUN_MS = 60 * 1000;

/** The timer. `stop()` waits for a run in progress, so the pool closes after it. */
export function startBackgroundWork(
  db: Database,
  logger: Logger,
  intervalMs = BACKGROUND_INTERVAL_MS,
  options: BackgroundOptions = {},
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = runBackgroundWork(db, options).then(
      (outcome) =>
        logger.debug(
          outcome.ran ? { deleted: outcome.result } : { skipped: 'another process holds the lock' },
          'background work',
        ),
      (error: unknown) =>
        logger.warn({ err: error }, 'background work failed (deleting expired sessions, codes, tokens and old mail)'),
    );
  };
  const first = setTimeout(run, Math.min(BACKGROUND_FIRST_RUN_MS, intervalMs));
  const timer = setInterval(run, intervalMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
