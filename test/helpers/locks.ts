// Race tests (PostgreSQL only: PGlite has one connection) prove their race happened: instead of
// sleeping and hoping the racer got there, they wait until pg_locks shows it waiting.
//
//   const holder = await db.knex.transaction();          // takes the lock
//   const racer = started(request…);                     // must queue behind it
//   await waitUntilWaitingOnLock(db.knex, { blockedBy: await backendPid(holder), finished: () => racer.done });
//   await holder.commit();
import type { Knex } from 'knex';

export interface LockWait {
  /** How many sessions must be waiting at once (default 1). */
  sessions?: number;
  /** Count only sessions that this backend blocks (`pg_blocking_pids`): the holder of the lock. */
  blockedBy?: number;
  /** True once the racer has answered: if it did so without having been seen waiting, the race did not happen. */
  finished?: () => boolean;
}

/** The backend process id of a connection (a transaction's, to name it as the lock holder). */
export async function backendPid(knex: Knex | Knex.Transaction): Promise<number> {
  const { rows } = await knex.raw('select pg_backend_pid() as pid');
  return rows[0].pid as number;
}

/** The sessions of this test's database waiting for a lock (on `blockedBy`, when given). */
async function waitingSessions(knex: Knex, blockedBy: number | undefined): Promise<number> {
  const { rows } = await knex.raw(
    `select count(distinct l.pid)::int as waiting from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where not l.granted and a.datname = current_database() and (?::int is null or ?::int = any(pg_blocking_pids(l.pid)))`,
    [blockedBy ?? null, blockedBy ?? null],
  );
  return rows[0].waiting as number;
}

/**
 * Resolves once `sessions` sessions wait for a lock. Throws when the racer finished first, or
 * when no session waited within about ten seconds: either way the test fails, as it should when
 * the lock it guards is gone.
 */
export async function waitUntilWaitingOnLock(
  knex: Knex,
  { sessions = 1, blockedBy, finished = () => false }: LockWait = {},
): Promise<void> {
  for (let polls = 0; polls < 1000; polls++) {
    if ((await waitingSessions(knex, blockedBy)) >= sessions) return;
    if (finished())
      throw new Error(`the racer finished without ${sessions} session(s) waiting for a lock: the race did not happen`);
    await new Promise((resolve) => setTimeout(resolve, 10)); // polling an observed state, not timing a race
  }
  throw new Error(`fewer than ${sessions} session(s) ever waited for a lock`);
}

/** A request or query under way, and whether it has answered yet (for `finished`). */
export function started<T>(work: PromiseLike<T>): { readonly done: boolean; readonly result: Promise<T> } {
  const state = { done: false, result: undefined as unknown as Promise<T> };
  state.result = Promise.resolve(work).finally(() => {
    state.done = true;
  });
  return state;
}
