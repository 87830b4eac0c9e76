// Background work once per deployment (SPEC §1): every process has the timer, but a run does
// the work only under the job's advisory lock. Before the fix every worker of every instance
// pruned sessions and purged codes and tokens on the same 15-minute timer.
import type { Knex } from 'knex';
import { openAnotherPool, useTestDatabase } from './helpers/db';
import { buildAuthorizationCode, buildClient, buildSession } from './factories';
import { BACKGROUND_LOCK_KEY, runBackgroundWork, runExclusively } from '../src/background';

const db = useTestDatabase();
const hoursAgo = (hours: number) => new Date(Date.now() - hours * 60 * 60 * 1000);

async function expiredRows() {
  const client = await buildClient(db.knex);
  await buildAuthorizationCode(db.knex, { client_id: client.id, expires_at: hoursAgo(30) });
  await buildSession(db.knex, { expires_at: hoursAgo(1) });
}

/** Sessions holding the job's lock, as PostgreSQL sees them. */
const lockHolders = (knex: Knex) =>
  knex('pg_locks').where({ locktype: 'advisory', objid: BACKGROUND_LOCK_KEY, granted: true }).pluck('pid') as Promise<
    number[]
  >;

describe('background work', () => {
  it('deletes expired sessions, codes and tokens while holding the lock, and releases it', async () => {
    await expiredRows();
    const held = await runExclusively(db.db, async (knex) => lockHolders(knex));
    expect(held).toMatchObject({ ran: true, result: [expect.any(Number)] });
    expect(await runBackgroundWork(db.db)).toEqual({
      ran: true,
      result: { sessions: 1, tokens: 0, codes: 1, mail: 0, links: 0, idempotencyKeys: 0, tombstones: 0 },
    });
    expect(await lockHolders(db.knex)).toEqual([]);
  });

  it('releases the lock when the work fails', async () => {
    await expect(runExclusively(db.db, () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect(await lockHolders(db.knex)).toEqual([]);
    expect(await runExclusively(db.db, () => Promise.resolve('ran again'))).toEqual({ ran: true, result: 'ran again' });
  });

  // Another session holding the lock needs a second connection: the embedded database has one
  // (and one process), so these are declared in CI's PostgreSQL pass only.
  if (process.env.DATABASE_URL) {
    it('skips while another process holds the lock, and runs once it is released', async () => {
      await expiredRows();
      const other = await openAnotherPool(db.knex);
      try {
        await other.knex.transaction(async (trx) => {
          await trx.raw('select pg_advisory_xact_lock(?)', [BACKGROUND_LOCK_KEY]);
          expect(await runBackgroundWork(db.db)).toEqual({ ran: false });
        });
        expect(await db.knex('sessions').count({ n: '*' })).toEqual([{ n: 1 }]); // untouched while skipped
        expect(await runBackgroundWork(db.db)).toEqual({
          ran: true,
          result: { sessions: 1, tokens: 0, codes: 1, mail: 0, links: 0, idempotencyKeys: 0, tombstones: 0 },
        });
      } finally {
        await other.close();
      }
    });

    it('lets only one of two concurrent runs do the work', async () => {
      let started!: () => void;
      let finish!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const finishing = new Promise<void>((resolve) => (finish = resolve));
      const first = runExclusively(db.db, async () => {
        started();
        await finishing; // holds the lock until the second run has come and gone
        return 'first';
      });
      await running;
      const second = await runExclusively(db.db, () => Promise.resolve('second'));
      finish();
      expect([await first, second]).toEqual([{ ran: true, result: 'first' }, { ran: false }]);
    });
  }
});
