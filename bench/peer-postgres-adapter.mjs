// The persistent peer's storage: an oidc-provider adapter (the interface of
// node_modules/oidc-provider/lib/adapters/memory_adapter.js) on one PostgreSQL table, the way
// oidc-provider's published SQL adapters do it — one row per model instance, the payload as
// jsonb, and the columns the secondary look-ups need (grant_id, uid, user_code) beside it.
// A fair, tuned adapter: the hot statements (find, upsert, consume, destroy) are named, so each
// pooled connection parses and plans them once, as SeatShare does with its own hot statements.
//
// Bulk writes: GET /__mint creates tens of thousands of codes. Inside withBulkWrites(), upsert
// only collects the rows (an AsyncLocalStorage scoped to that one request, so concurrent
// requests on the same worker still write normally), and they are then inserted with a few
// multi-row INSERTs in one transaction instead of one round trip per code.
import { AsyncLocalStorage } from 'node:async_hooks';

const TABLE = 'oidc_payloads';
const BATCH = 2000;

/** Creates the table (if missing) and empties it: every bench run starts from nothing. */
export async function prepareTable(pool) {
  await pool.query(`
    create table if not exists ${TABLE} (
      model text not null,
      id text not null,
      payload jsonb not null,
      grant_id text,
      user_code text,
      uid text,
      expires_at timestamptz,
      consumed_at timestamptz,
      primary key (model, id)
    )`);
  await pool.query(`create index if not exists ${TABLE}_grant_id_index on ${TABLE} (grant_id)`);
  await pool.query(`create index if not exists ${TABLE}_uid_index on ${TABLE} (uid) where uid is not null`);
  await pool.query(
    `create index if not exists ${TABLE}_user_code_index on ${TABLE} (user_code) where user_code is not null`,
  );
  await pool.query(`truncate ${TABLE}`);
}

const bulk = new AsyncLocalStorage();

const expiresAt = (expiresIn) => (typeof expiresIn === 'number' ? new Date(Date.now() + expiresIn * 1000) : null);

// What a stored row means to oidc-provider: the payload, marked consumed when it was.
const fromRow = (row) => (row ? { ...row.payload, ...(row.consumed_at ? { consumed: true } : {}) } : undefined);

const FIND = {
  name: 'oidc_find',
  text: `select payload, consumed_at from ${TABLE}
          where model = $1 and id = $2 and (expires_at is null or expires_at > now())`,
};
const UPSERT = {
  name: 'oidc_upsert',
  text: `insert into ${TABLE} (model, id, payload, grant_id, user_code, uid, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (model, id) do update set
           payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code,
           uid = excluded.uid, expires_at = excluded.expires_at`,
};
const CONSUME = { name: 'oidc_consume', text: `update ${TABLE} set consumed_at = now() where model = $1 and id = $2` };
const DESTROY = { name: 'oidc_destroy', text: `delete from ${TABLE} where model = $1 and id = $2` };
// Many rows per statement: one array parameter per column, unnested into rows.
const BULK_UPSERT = {
  name: 'oidc_bulk_upsert',
  text: `insert into ${TABLE} (model, id, payload, grant_id, user_code, uid, expires_at)
         select * from unnest($1::text[], $2::text[], $3::jsonb[], $4::text[], $5::text[], $6::text[],
                              $7::timestamptz[])
         on conflict (model, id) do update set
           payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code,
           uid = excluded.uid, expires_at = excluded.expires_at`,
};

/** The adapter class oidc-provider instantiates once per model (`new Adapter('AuthorizationCode')`). */
export function postgresAdapter(pool) {
  return class PostgresAdapter {
    constructor(model) {
      this.model = model;
    }

    async upsert(id, payload, expiresIn) {
      const row = [
        this.model,
        id,
        JSON.stringify(payload),
        payload.grantId ?? null,
        payload.userCode ?? null,
        payload.uid ?? null,
        expiresAt(expiresIn),
      ];
      const collected = bulk.getStore();
      if (collected) {
        collected.push(row);
        return;
      }
      await pool.query({ ...UPSERT, values: row });
    }

    async find(id) {
      const { rows } = await pool.query({ ...FIND, values: [this.model, id] });
      return fromRow(rows[0]);
    }

    // Sessions and interactions (by uid) and device codes (by user code): not on the bench's
    // paths, but part of the interface.
    async findByUid(uid) {
      const { rows } = await pool.query(
        `select payload, consumed_at from ${TABLE}
          where model = $1 and uid = $2 and (expires_at is null or expires_at > now()) limit 1`,
        [this.model, uid],
      );
      return fromRow(rows[0]);
    }

    async findByUserCode(userCode) {
      const { rows } = await pool.query(
        `select payload, consumed_at from ${TABLE}
          where model = $1 and user_code = $2 and (expires_at is null or expires_at > now()) limit 1`,
        [this.model, userCode],
      );
      return fromRow(rows[0]);
    }

    async consume(id) {
      await pool.query({ ...CONSUME, values: [this.model, id] });
    }

    async destroy(id) {
      await pool.query({ ...DESTROY, values: [this.model, id] });
    }

    // oidc-provider calls this once per grantable model (AccessToken, AuthorizationCode, …) in
    // parallel, so each call deletes its own model's rows: the calls never wait on each other's
    // row locks.
    async revokeByGrantId(grantId) {
      await pool.query(`delete from ${TABLE} where model = $1 and grant_id = $2`, [this.model, grantId]);
    }
  };
}

/**
 * Runs `fn` with upserts collected instead of sent, then writes them all in one transaction,
 * BATCH rows per INSERT. Returns fn's result once everything is stored.
 */
export async function withBulkWrites(pool, fn) {
  const rows = [];
  const result = await bulk.run(rows, fn);
  const client = await pool.connect();
  try {
    await client.query('begin');
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      const columns = Array.from({ length: 7 }, (_, i) => batch.map((row) => row[i]));
      await client.query({ ...BULK_UPSERT, values: columns });
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  return result;
}
