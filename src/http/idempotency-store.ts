// The data of idempotency keys (migrations/20261201000600_idempotency_keys.ts): claiming a key
// for a request, storing or releasing its outcome, and the background purge. The rules of the
// header are in ./idempotency.ts; every statement here is one short autocommitted statement, so
// a claim is visible to every other connection (and instance) before the handler runs.
import type { Knex } from 'knex';

/** How long a key's first outcome is kept and replayed. */
export const IDEMPOTENCY_WINDOW = '24 hours';
/**
 * How long a claim holds while its request runs. API requests take milliseconds; a claim still
 * in progress after a minute belongs to a process that died (or lost its database) mid-request,
 * and a retry may take it over rather than find the key stuck for a day.
 */
export const IDEMPOTENCY_LEASE = '1 minute';
const PURGE_BATCH = 5000;

export interface KeyRequest {
  userId: string;
  key: string;
  fingerprint: string;
}

/** A claim this request holds: only its holder may store or release the outcome. */
export interface HeldKey {
  id: string;
  claim: string;
}

/** What another request left on the key. `response_status` null: still in progress. */
export interface ExistingKey {
  fingerprint: string;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
}

export type ClaimOutcome = { claimed: true; held: HeldKey } | { claimed: false; existing: ExistingKey | undefined };

/**
 * Claims the key in one statement: a new row, or an existing one that is free to take — older
 * than the window (the purge has not come by yet), or in progress past its lease for the same
 * request. The unique (user_id, key) index decides between concurrent claims: the second waits
 * for the first's row to commit and then finds it taken. Otherwise, the row as it is now.
 */
export async function claimIdempotencyKey(knex: Knex, request: KeyRequest, claim: string): Promise<ClaimOutcome> {
  const { rows } = await knex.raw<{ rows: Array<{ id: string }> }>(
    `insert into idempotency_keys as k (user_id, key, fingerprint, claim, locked_until)
     values (?, ?, ?, ?, now() + ?::interval)
     on conflict (user_id, key) do update set
       fingerprint = excluded.fingerprint, claim = excluded.claim, locked_until = excluded.locked_until,
       created_at = now(), completed_at = null,
       response_status = null, response_headers = null, response_body = null
     where k.created_at <= now() - ?::interval
        or (k.response_status is null and k.locked_until <= now() and k.fingerprint = excluded.fingerprint)
     returning k.id`,
    [request.userId, request.key, request.fingerprint, claim, IDEMPOTENCY_LEASE, IDEMPOTENCY_WINDOW],
  );
  if (rows[0]) return { claimed: true, held: { id: rows[0].id, claim } };
  const existing = await knex('idempotency_keys')
    .where({ user_id: request.userId, key: request.key })
    .first<ExistingKey | undefined>('fingerprint', 'response_status', 'response_headers', 'response_body');
  return { claimed: false, existing };
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

/** Stores the outcome, if this request still holds the claim (a takeover after the lease wins). */
export async function completeIdempotencyKey(knex: Knex, held: HeldKey, response: StoredResponse): Promise<boolean> {
  const updated = await knex('idempotency_keys')
    .where({ id: held.id, claim: held.claim })
    .whereNull('response_status')
    .update({
      response_status: response.status,
      response_headers: JSON.stringify(response.headers),
      response_body: response.body,
      completed_at: knex.fn.now(),
    });
  return updated === 1;
}

/** Gives the key back (the request changed nothing it must not repeat): a retry runs afresh. */
export async function releaseIdempotencyKey(knex: Knex, held: HeldKey): Promise<void> {
  await knex('idempotency_keys').where({ id: held.id, claim: held.claim }).whereNull('response_status').del();
}

/** Background purge: keys older than the window, in batches through the created_at index. */
export async function purgeExpiredIdempotencyKeys(knex: Knex, batch = PURGE_BATCH): Promise<number> {
  let total = 0;
  for (;;) {
    const expired = knex('idempotency_keys')
      .select('id')
      .whereRaw('created_at <= now() - ?::interval', [IDEMPOTENCY_WINDOW])
      .limit(batch);
    const deleted = await knex('idempotency_keys').whereIn('id', expired).del();
    total += deleted;
    if (deleted < batch) return total;
  }
}
