// Where delivered mail goes (SPEC §7): the SMTP server of SMTP_URL, or, without one, .eml files
// under DATA_DIR/mail (files.ts) that /dev/mail lists. Both are nodemailer, so the file is the
// exact message the SMTP server would have received.
//
// SMTP_URL carries the password: nothing here logs the URL or the options, and `redact()`
// takes it out of any error text before that text is logged or stored in last_error.
import nodemailer from 'nodemailer';
import type { Config } from '../config';
import { mailFileName, writeMailFile } from './files';

export interface QueuedMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  queuedAt: Date;
}

export interface MailTransport {
  /** Where mail goes, without credentials: safe to log. */
  readonly description: string;
  send(message: QueuedMessage): Promise<void>;
  /** `text` without the SMTP password (plain or percent-encoded) or any `user:password@`. */
  redact(text: string): string;
  close(): void;
}

// Bounded, so a send never outlives its claim's lease (LEASE_MS in delivery.ts): nodemailer's
// defaults wait 2 minutes to connect and 10 minutes on a silent socket.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

export function createMailTransport(config: Pick<Config, 'mail' | 'dataDir'>): MailTransport {
  const { smtpUrl, from } = config.mail;
  const secrets = smtpUrl ? urlSecrets(smtpUrl) : [];
  const redact = (text: string) =>
    secrets
      .reduce((result, secret) => result.split(secret).join('***'), text)
      .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]*@/gi, '$1:***@');

  if (smtpUrl) {
    const url = new URL(smtpUrl);
    const smtp = nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS });
    return {
      description: `${url.protocol}//${url.host}`,
      redact,
      async send(message) {
        await smtp.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html });
      },
      close: () => smtp.close(),
    };
  }

  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    description: `files in ${config.dataDir}/mail`,
    redact,
    async send(message) {
      const info = await composer.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
      const name = mailFileName(message.queuedAt, message.id);
      const file = { name, date: message.queuedAt.toISOString(), from, ...pick(message) };
      await writeMailFile(config.dataDir, file, info.message as Buffer);
    },
    close: () => composer.close(),
  };
}

const pick = ({ to, subject, text, html }: QueuedMessage) => ({ to, subject, text, html });

/**
 * The password as written in the URL, decoded, and base64-encoded as AUTH LOGIN and AUTH PLAIN
 * send it: any of them could turn up in an error that quotes a command or a server's reply.
 */
function urlSecrets(smtpUrl: string): string[] {
  const { username, password } = new URL(smtpUrl);
  if (!password) return [];
  const decoded = safeDecode(password);
  const user = safeDecode(username);
  const base64 = (value: string) => Buffer.from(value).toString('base64');
  return [...new Set([password, decoded, base64(decoded), base64(`\u0000${user}\u0000${decoded}`)])];
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a malformed escape: the raw form is all there is
  }
}
