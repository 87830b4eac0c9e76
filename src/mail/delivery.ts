// Sending what the outbox holds (SPEC §7). Every process runs the worker (any may be the one
// left standing); a run claims a batch of due messages with a lease (store.ts: one UPDATE …
// FOR UPDATE SKIP LOCKED), sends them one by one, and marks each sent or failed, each a short
// statement of its own — no transaction is open while SMTP is talked to.
//
// Guarantees: a committed message is sent at least once, and exactly once unless a process
// stops between the SMTP server's acceptance and the statement marking it sent (a crash, the
// database gone at that moment): its lease then runs out and the message goes again. Two
// workers never hold the same message at once.
//
// Failures: the message is due again after 30 s · 2^(attempts − 1), at most an hour apart, with
// the (redacted) error in last_error; it stays queued through any SMTP outage shorter than
// GIVE_UP_AFTER_MS. A message still failing past that age is given up (next_attempt_at null,
// logged as an error) rather than sent days late; the background purge deletes it 30 days on.
import type { Knex } from 'knex';
import type { Config } from '../config';
import type { Database } from '../db';
import type { Logger } from '../logger';
import { onMailQueued } from './outbox';
import { claimDueMail, markFailed, markSent, releaseClaims, type OutboxRow } from './store';
import { createMailTransport, type MailTransport } from './transport';

export const BATCH_SIZE = 10;
/** Longer than a batch can take with the transport's timeouts (10 × at most 50 s). */
export const LEASE_MS = 10 * 60 * 1000;
export const RETRY_BASE_MS = 30 * 1000;
export const RETRY_MAX_MS = 60 * 60 * 1000;
/** Links in our mail (verification 24 h, reset 1 h) are stale long before this. */
export const GIVE_UP_AFTER_MS = 3 * 24 * 60 * 60 * 1000;
const MAX_BATCHES_PER_RUN = 10;
const MAX_ERROR_LENGTH = 1000;

/** Wait before the next attempt after `attempts` failed ones: 30 s, 1 min, 2 min, … 1 h. */
export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(Math.max(attempts - 1, 0), 20));
}

export interface DeliveryOptions {
  batchSize?: number;
  leaseMs?: number;
  /** Checked before each message: once true, the rest of the batch is handed back unsent. */
  shouldStop?: () => boolean;
}

export interface DeliveryResult {
  sent: number;
  failed: number;
}

/** One run: claims and sends due mail until none is left (or MAX_BATCHES_PER_RUN batches). */
export async function deliverQueuedMail(
  knex: Knex,
  transport: MailTransport,
  logger: Logger,
  { batchSize = BATCH_SIZE, leaseMs = LEASE_MS, shouldStop = () => false }: DeliveryOptions = {},
): Promise<DeliveryResult> {
  const result: DeliveryResult = { sent: 0, failed: 0 };
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN && !shouldStop(); batch++) {
    const rows = await claimDueMail(knex, batchSize, leaseMs);
    for (const [index, row] of rows.entries()) {
      if (shouldStop()) {
        await releaseClaims(knex, rows.slice(index));
        return result;
      }
      if (await deliverOne(knex, transport, logger, row)) result.sent++;
      else result.failed++;
    }
    if (rows.length < batchSize) break;
  }
  return result;
}

async function deliverOne(knex: Knex, transport: MailTransport, logger: Logger, row: OutboxRow): Promise<boolean> {
  try {
    await transport.send({
      id: row.id,
      to: row.recipient,
      subject: row.subject,
      text: row.text_body,
      html: row.html_body,
      queuedAt: row.created_at,
    });
  } catch (error) {
    // The message only: an SMTP error object also carries the command and the server's reply.
    const message = transport.redact(error instanceof Error ? error.message : String(error));
    const outcome = await markFailed(knex, row, {
      error: message.slice(0, MAX_ERROR_LENGTH),
      retryMs: retryDelayMs(row.attempts),
      giveUpAfterMs: GIVE_UP_AFTER_MS,
    });
    const about = { mailId: row.id, attempts: row.attempts, error: message, transport: transport.description };
    if (outcome?.nextAttemptAt === null) logger.error(about, 'mail delivery gave up: still failing after 3 days');
    else logger.warn({ ...about, nextAttemptAt: outcome?.nextAttemptAt }, 'mail delivery failed; will retry');
    return false;
  }
  await markSent(knex, row.id);
  return true;
}

export interface MailDelivery {
  /** Runs soon (after a message committed), or again right after the run in progress. */
  nudge(): void;
  /** Stops the timer; a run in progress finishes its current message and hands back the rest. */
  stop(): Promise<void>;
}

/** The worker of this process: a run every MAIL_POLL_MS, and soon after mail is queued here. */
export function startMailDelivery(
  db: Database,
  config: Pick<Config, 'mail' | 'dataDir'>,
  logger: Logger,
  transport: MailTransport = createMailTransport(config),
): MailDelivery {
  let running: Promise<void> | undefined;
  let again = false;
  let stopping = false;
  const run = () => {
    if (stopping) return;
    if (running) {
      again = true;
      return;
    }
    running = deliverQueuedMail(db.knex, transport, logger, { shouldStop: () => stopping })
      .then(
        (result) => {
          if (result.sent + result.failed > 0) logger.debug({ ...result }, 'mail delivery');
        },
        (error: unknown) => logger.warn({ err: error }, 'mail delivery could not reach the outbox'),
      )
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          nudge();
        }
      });
  };
  const nudge = () => void setTimeout(run, 0).unref();
  const timer = setInterval(run, config.mail.pollMs);
  timer.unref();
  const unsubscribe = onMailQueued(nudge);
  logger.debug({ transport: transport.description }, 'mail delivery started');
  return {
    nudge,
    async stop() {
      stopping = true;
      clearInterval(timer);
      unsubscribe();
      await running;
      transport.close();
    },
  };
}
