// Every process runs a delivery worker (SPEC §7: never sent twice by two workers or
// instances). On PostgreSQL the two workers have their own pools, as two processes would; the
// embedded database has one connection and one process, so there they share it.
import pino from 'pino';
import { openAnotherPool, useTestDatabase } from '../helpers/db';
import { testConfig } from '../helpers/app';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';
import type { Database } from '../../src/db';
import { enqueueMail } from '../../src/mail/outbox';
import { deliverQueuedMail } from '../../src/mail/delivery';
import { claimDueMail } from '../../src/mail/store';
import { createMailTransport, type MailTransport } from '../../src/mail/transport';

const db = useTestDatabase();
const silent = pino({ level: 'silent' });
const postgres = !!process.env.DATABASE_URL;

let smtp: TestSmtpServer;
let transport: MailTransport;
let other: Database; // the second worker's database connection(s)
beforeAll(async () => {
  smtp = await startSmtpServer();
  transport = createMailTransport(testConfig({ SMTP_URL: smtp.url }));
  if (postgres) {
    other = await openAnotherPool(db.knex, 2);
  } else {
    other = db.db;
  }
});
afterAll(async () => {
  transport.close();
  await smtp.stop();
  if (postgres) await other.close();
});
beforeEach(() => {
  smtp.messages.length = 0;
});

async function enqueue(count: number): Promise<string[]> {
  const recipients = Array.from({ length: count }, (_, i) => `person${i}@example.com`);
  for (const to of recipients) {
    await enqueueMail(db.knex, {
      to,
      subject: `For ${to}`,
      template: 'test-message',
      data: { name: to, link: 'http://x' },
    });
  }
  return recipients;
}
const received = () => smtp.messages.flatMap((m) => m.to).sort();

describe('two delivery workers over one outbox', () => {
  it('deliver each message once when they run at the same time', async () => {
    const recipients = await enqueue(20);
    const options = { batchSize: 3 };
    const [first, second] = await Promise.all([
      deliverQueuedMail(db.knex, transport, silent, options),
      deliverQueuedMail(other.knex, transport, silent, options),
    ]);
    expect(first.sent + second.sent).toBe(20);
    expect(first.failed + second.failed).toBe(0);
    expect(received()).toEqual(recipients.sort());
  });

  it('leave a message to the worker whose claim holds it, even while it is being sent', async () => {
    const recipients = await enqueue(4);
    let sending!: () => void;
    let resume!: () => void;
    const started = new Promise<void>((resolve) => (sending = resolve));
    const held = new Promise<void>((resolve) => (resume = resolve));
    const slow: MailTransport = {
      ...transport,
      send: async (message) => {
        sending();
        await held; // the SMTP conversation of worker A takes a while
        await transport.send(message);
      },
    };
    const a = deliverQueuedMail(db.knex, slow, silent, { batchSize: 2 });
    await started; // A has claimed two messages and is sending the first
    const b = await deliverQueuedMail(other.knex, transport, silent, { batchSize: 2 });
    expect(b).toEqual({ sent: 2, failed: 0 }); // the two A does not hold
    resume();
    expect(await a).toEqual({ sent: 2, failed: 0 });
    expect(received()).toEqual(recipients.sort());
  });

  if (postgres) {
    it('pass over a message another claim has locked instead of waiting for it (SKIP LOCKED)', async () => {
      await enqueue(3);
      const [locked] = await db.knex('mail_outbox').orderBy('created_at').pluck('id');
      await other.knex.transaction(async (trx) => {
        await trx('mail_outbox').where({ id: locked }).forUpdate().first();
        const claimed = await claimDueMail(db.knex, 10, 60_000); // would hang here without SKIP LOCKED
        expect(claimed.map((row) => row.id)).not.toContain(locked);
        expect(claimed).toHaveLength(2);
      });
      expect((await claimDueMail(db.knex, 10, 60_000)).map((row) => row.id)).toEqual([locked]);
    });
  }
});
