// Named statements (src/db/prepared.ts) inside a transaction: they run on its connection, and
// not at all once it is finished (knex refuses its own queries then; so must they).
import { rawPrepared, selectPrepared } from '../src/db/prepared';
import { useTestDatabase } from './helpers/db';

const db = useTestDatabase();

it("runs on the transaction's connection: it sees the transaction's own uncommitted rows", async () => {
  const trx = await db.knex.transaction();
  try {
    await trx('users').insert({ email: 'prepared@example.org', password_hash: 'x', first_name: 'P', last_name: 'Q' });
    const rows = await rawPrepared<{ n: number }>(
      trx,
      trx.raw('select count(*)::int as n from users where email = ?', ['prepared@example.org']),
    );
    expect(rows).toEqual([{ n: 1 }]);
  } finally {
    await trx.rollback();
  }
  expect(await db.knex('users').where({ email: 'prepared@example.org' }).first()).toBeUndefined();
});

it('refuses to run on a finished transaction (its connection is back in the pool)', async () => {
  const trx = await db.knex.transaction();
  await trx.commit();
  await expect(rawPrepared(trx, trx.raw('select 1 as one'))).rejects.toThrow(/already complete/);
  await expect(selectPrepared(trx, trx('users').select('id'))).rejects.toThrow(/already complete/);
});
