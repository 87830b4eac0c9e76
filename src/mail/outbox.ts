// Queuing mail (SPEC §7). Pages and API handlers call enqueueMail with the transaction of the
// change the mail is about: the row commits with that change or not at all, and delivery
// (delivery.ts) sends it once committed. Both bodies are rendered now, from
// views/mail/<template>.html.ejs and .txt.ejs, so a queued message is self-contained.
import path from 'node:path';
import ejs from 'ejs';
import type { Knex } from 'knex';
import { VIEWS_DIR } from '../paths';
import { singleMailbox } from './address';
import { insertOutboxRow } from './store';

export interface OutgoingMail {
  to: string; // one address
  subject: string;
  template: string; // views/mail/<template>.html.ejs and views/mail/<template>.txt.ejs
  data: Record<string, unknown>; // template locals (links are absolute URLs, built by the caller from config.baseUrl)
}

export const MAIL_VIEWS_DIR = path.join(VIEWS_DIR, 'mail');
const TEMPLATE_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Renders both bodies now and inserts one outbox row with `db` — pass the request's transaction
 * so the mail commits (or not) with the change that causes it.
 */
export async function enqueueMail(db: Knex, mail: OutgoingMail): Promise<void> {
  // Programming errors, not user input: the callers validated the address when it was stored.
  if (!singleMailbox(mail.to)) throw new Error(`enqueueMail: "to" must be one address`);
  if (/[\r\n]/.test(mail.subject)) throw new Error('enqueueMail: the subject must be one line');
  const { html, text } = await renderMail(mail.template, { subject: mail.subject, ...oneLineValues(mail.data) });
  await insertOutboxRow(db, { recipient: mail.to, subject: mail.subject, html_body: html, text_body: text });
  void committed(db).then(mailQueued, () => {}); // rolled back: nothing to send
}

/**
 * Every value a mail quotes is one line: a name typed by a person or a developer (a group, an
 * app, a first name) cannot add lines of its own to the text body — a forged "security alert"
 * paragraph under SeatShare's sender — or reorder what is shown around it with bidi overrides.
 * Line breaks, control and format characters become one space. (The HTML body escapes too.)
 */
export function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]+/gu, ' ').trim();
}

function oneLineValues(data: Record<string, unknown>): Record<string, unknown> {
  const clean = (value: unknown): unknown =>
    typeof value === 'string' ? oneLine(value) : Array.isArray(value) ? value.map(clean) : value;
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, clean(value)]));
}

/**
 * Both bodies of a template (the layout reads `subject`). In the text body `<%= %>` does not
 * HTML-escape: a link keeps its `&`.
 */
export async function renderMail(
  template: string,
  data: Record<string, unknown>,
): Promise<{ html: string; text: string }> {
  if (!TEMPLATE_NAME.test(template)) throw new Error(`enqueueMail: no mail template "${template}"`);
  const file = (kind: 'html' | 'txt') => path.join(MAIL_VIEWS_DIR, `${template}.${kind}.ejs`);
  const [html, text] = await Promise.all([
    ejs.renderFile(file('html'), data, { async: false }),
    ejs.renderFile(file('txt'), data, {
      async: false,
      escape: (value: unknown) => (value == null ? '' : String(value as string)), // as ejs's own, less the escaping
    }),
  ]);
  return { html, text };
}

/** Settles when `db`'s changes are visible to others: at once outside a transaction. */
function committed(db: Knex): Promise<unknown> {
  return db.isTransaction ? (db as Knex.Transaction).executionPromise : Promise.resolve();
}

// Delivery in this process runs soon after a message commits instead of at its next poll. Other
// processes find it at theirs (MAIL_POLL_MS).
const wakers = new Set<() => void>();

export function onMailQueued(wake: () => void): () => void {
  wakers.add(wake);
  return () => wakers.delete(wake);
}

function mailQueued(): void {
  for (const wake of wakers) wake();
}
