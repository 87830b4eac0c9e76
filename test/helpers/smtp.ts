// A real SMTP server for tests (SPEC §7: no mock transport), on a free loopback port, that
// requires the login of its URL and keeps what it receives, parsed:
//
//   const smtp = await startSmtpServer();        // smtp.url → SMTP_URL
//   … deliver …                                  // awaiting the delivery run is enough: a message is
//   expect(smtp.messages[0]!.subject)…           // in `messages` before the server answers 250
//   await smtp.stop(); … await smtp.restart();   // an outage, on the same port
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { Knex } from 'knex';
import pino from 'pino';
import { deliverQueuedMail } from '../../src/mail/delivery';
import { createMailTransport, type MailTransport } from '../../src/mail/transport';
import { testConfig } from './app';

export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO). */
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** The message as received, headers and MIME parts encoded. */
  raw: string;
}

export interface TestSmtpServer {
  /** `smtp://user:password@127.0.0.1:port`. */
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly messages: ReceivedMail[];
  /** Stops listening (connections are refused) until restart(). */
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function startSmtpServer({
  user = 'seatshare',
  password = 'smtp-Secret-pa55word',
} = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const create = () =>
    new SMTPServer({
      logger: false,
      disabledCommands: ['STARTTLS'], // plain loopback: nodemailer would otherwise upgrade with a self-signed cert
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === user && auth.password === password) callback(null, { user });
        else callback(new Error('Invalid username or password'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw).then(
            (parsed) => {
              messages.push({
                to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                html: parsed.html || '',
                raw,
              });
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });

  let server = create();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      const listener = server.listen(port, '127.0.0.1', () => resolve((listener.address() as AddressInfo).port));
    });
  const port = await listen(0);
  let running = true;
  return {
    url: `smtp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    user,
    password,
    messages,
    async stop() {
      if (!running) return;
      running = false;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async restart() {
      if (running) return;
      server = create();
      await listen(port);
      running = true;
    },
  };
}

/**
 * A test file's mailbox: a real SMTP server for the file, a transport to it, emptied before each
 * test; `deliver()` runs the outbox once and resolves to what the server has received.
 */
export function useMailbox(db: { readonly knex: Knex }) {
  let smtp: TestSmtpServer;
  let transport: MailTransport;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    transport = createMailTransport(testConfig({ SMTP_URL: smtp.url }));
  });
  afterAll(async () => {
    transport.close();
    await smtp.stop();
  });
  beforeEach(() => {
    smtp.messages.length = 0;
  });
  return {
    get messages(): ReceivedMail[] {
      return smtp.messages;
    },
    async deliver(): Promise<ReceivedMail[]> {
      await deliverQueuedMail(db.knex, transport, pino({ level: 'silent' }));
      return smtp.messages;
    },
  };
}
