// The outbox's data home: every statement on mail_outbox. Each is one short autocommit
// statement (or runs in the caller's transaction, for the insert), so no transaction stays
// open while SMTP is talked to — the embedded database has a single connection.
import type { Knex } from 'knex';

export interface OutboxRow {
  id: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
  created_at: Date;
  attempts: number;
  next_attempt_at: Date | null;
  claimed_until: Date | null;
  sent_at: Date | null;
  last_error: string | null;
}

export type NewOutboxRow = Pick<OutboxRow, 'recipient' | 'subject' | 'text_body' | 'html_body'>;

export async function insertOutboxRow(db: Knex, row: NewOutboxRow): Promise<void> {
  await db('mail_outbox').insert(row);
}

/**
 * Claims up to `limit` due messages for `leaseMs`: each gets `claimed_until` and one more
 * attempt. SKIP LOCKED lets concurrent claims (other workers, other instances) pass over rows
 * another claim is taking instead of waiting for it, and the lease keeps them off a message
 * while it is being sent; together each due message goes to one worker at a time.
 */
export async function claimDueMail(knex: Knex, limit: number, leaseMs: number): Promise<OutboxRow[]> {
  const { rows } = await knex.raw<{ rows: OutboxRow[] }>(
    `update mail_outbox
        set claimed_until = now() + make_interval(secs => ?::float8), attempts = attempts + 1
      where id in (
        select id from mail_outbox
         where sent_at is null and next_attempt_at <= now()
           and (claimed_until is null or claimed_until < now())
         order by next_attempt_at, id
         limit ?
         for update skip locked)
      returning *`,
    [leaseMs / 1000, limit],
  );
  return rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
}

export async function markSent(knex: Knex, id: string): Promise<void> {
  await knex('mail_outbox')
    .where({ id })
    .whereNull('sent_at')
    .update({ sent_at: knex.fn.now(), claimed_until: null, next_attempt_at: null, last_error: null });
}

/**
 * Records a failed attempt: the message is due again after `retryMs`, or, once it is older
 * than `giveUpAfterMs`, never (next_attempt_at null). `attempts` fences the update to this
 * worker's claim: a claim that ran out and was taken by another worker is not overwritten.
 * Returns when it is due again (null: given up), undefined when the claim was no longer ours.
 */
export async function markFailed(
  knex: Knex,
  row: Pick<OutboxRow, 'id' | 'attempts'>,
  failure: { error: string; retryMs: number; giveUpAfterMs: number },
): Promise<{ nextAttemptAt: Date | null } | undefined> {
  const { rows } = await knex.raw<{ rows: Array<{ next_attempt_at: Date | null }> }>(
    `update mail_outbox
        set claimed_until = null, last_error = ?,
            next_attempt_at = case
              when created_at < now() - make_interval(secs => ?::float8) then null
              else now() + make_interval(secs => ?::float8) end
      where id = ? and attempts = ? and sent_at is null
      returning next_attempt_at`,
    [failure.error, failure.giveUpAfterMs / 1000, failure.retryMs / 1000, row.id, row.attempts],
  );
  return rows[0] && { nextAttemptAt: rows[0].next_attempt_at };
}

/** Gives back claims that were not tried (shutdown came first), without counting an attempt. */
export async function releaseClaims(knex: Knex, rows: Array<Pick<OutboxRow, 'id' | 'attempts'>>): Promise<void> {
  for (const row of rows) {
    await knex('mail_outbox')
      .where({ id: row.id, attempts: row.attempts })
      .whereNull('sent_at')
      .update({ claimed_until: null, attempts: knex.raw('attempts - 1') });
  }
}

/** How long sent and abandoned messages are kept (to look into what was sent), then purged. */
export const OUTBOX_KEEP = '30 days';
const PURGE_BATCH = 5000;

/** Deletes sent mail, and mail delivery gave up on, older than OUTBOX_KEEP, in batches. */
export async function purgeOldMail(knex: Knex, batch = PURGE_BATCH): Promise<number> {
  let total = 0;
  for (;;) {
    const old = knex('mail_outbox')
      .select('id')
      .whereRaw(
        `sent_at < now() - ?::interval
         or (sent_at is null and next_attempt_at is null and created_at < now() - ?::interval)`,
        [OUTBOX_KEEP, OUTBOX_KEEP],
      )
      .limit(batch);
    const deleted = await knex('mail_outbox').whereIn('id', old).del();
    total += deleted;
    if (deleted < batch) return total;
  }
}
