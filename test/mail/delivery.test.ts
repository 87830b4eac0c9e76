// Mail from the outbox to a real SMTP server (SPEC §7): sent only when the transaction that
// queued it commits, once; kept and retried with back-off while the server is down, with no
// password in what is stored or logged; given up after GIVE_UP_AFTER_MS; purged 30 days on.
import pino from 'pino';
import { useTestDatabase } from '../helpers/db';
import { capturingLogger, testConfig } from '../helpers/app';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';
import { enqueueMail, type OutgoingMail } from '../../src/mail/outbox';
import { deliverQueuedMail, retryDelayMs, startMailDelivery } from '../../src/mail/delivery';
import { createMailTransport, type MailTransport } from '../../src/mail/transport';
import type { OutboxRow } from '../../src/mail/store';
import { runBackgroundWork } from '../../src/background';
import type { Logger } from '../../src/logger';

const db = useTestDatabase();
const silent = pino({ level: 'silent' });
const LINK = 'http://seatshare.test/verify?token=abc123&next=%2Faccount';
const mail = (to = 'ann@example.com'): OutgoingMail => ({
  to,
  subject: 'Check your mail',
  template: 'test-message',
  data: { name: 'Ann <Admin>', link: LINK },
});

let smtp: TestSmtpServer;
let transport: MailTransport;
beforeAll(async () => {
  smtp = await startSmtpServer();
  transport = createMailTransport(testConfig({ SMTP_URL: smtp.url, MAIL_FROM: 'SeatShare <mail@seatshare.test>' }));
});
afterAll(async () => {
  transport.close();
  await smtp.stop();
});
beforeEach(async () => {
  await smtp.restart();
  smtp.messages.length = 0;
});

const deliver = (logger: Logger = silent) => deliverQueuedMail(db.knex, transport, logger);
const outbox = () => db.knex<OutboxRow>('mail_outbox').select('*');
const dbNow = async () => (await db.knex.raw<{ rows: Array<{ now: Date }> }>('select now() as now')).rows[0]!.now;
const makeDue = () => db.knex('mail_outbox').update({ next_attempt_at: db.knex.fn.now() });

describe('mail delivery', () => {
  it('sends nothing for a transaction that rolls back', async () => {
    await expect(
      db.knex.transaction(async (trx) => {
        await enqueueMail(trx, mail());
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await deliver()).toEqual({ sent: 0, failed: 0 });
    expect(smtp.messages).toEqual([]);
    expect(await outbox()).toEqual([]);
  });

  it('delivers committed mail once, with both bodies rendered when it was queued', async () => {
    await db.knex.transaction((trx) => enqueueMail(trx, mail()));
    expect(await deliver()).toEqual({ sent: 1, failed: 0 });
    expect(await deliver()).toEqual({ sent: 0, failed: 0 });

    expect(smtp.messages).toHaveLength(1);
    const [received] = smtp.messages;
    expect(received).toMatchObject({ to: ['ann@example.com'], subject: 'Check your mail' });
    expect(received!.raw).toMatch(/^From: SeatShare <mail@seatshare\.test>$/m);
    expect(received!.text).toContain(`Hello Ann <Admin>,`); // the text body is not HTML-escaped…
    expect(received!.text).toContain(LINK);
    expect(received!.html).toContain('Hello Ann &lt;Admin&gt;,'); // …the HTML body is
    expect(received!.html).toContain(`href="${LINK.replace('&', '&amp;')}"`);
    const [row] = await outbox();
    expect(row).toMatchObject({ attempts: 1, last_error: null, claimed_until: null, next_attempt_at: null });
    expect(row!.sent_at).toBeInstanceOf(Date);
  });

  it('refuses a recipient that is not one address, and an unknown template', async () => {
    await expect(enqueueMail(db.knex, mail('a@example.com, b@example.com'))).rejects.toThrow(/one address/);
    await expect(enqueueMail(db.knex, mail('a@example.com\r\nBcc: b@example.com'))).rejects.toThrow(/one address/);
    await expect(enqueueMail(db.knex, { ...mail(), template: '../login' })).rejects.toThrow(/no mail template/);
    expect(await outbox()).toEqual([]);
  });

  it('runs soon after a commit in this process, without waiting for the poll', async () => {
    let delivered!: (to: string) => void;
    const arrived = new Promise<string>((resolve) => (delivered = resolve));
    const watching: MailTransport = {
      ...transport,
      send: async (message) => {
        await transport.send(message);
        delivered(message.to);
      },
      close: () => {},
    };
    const config = testConfig({ MAIL_POLL_MS: '3600000' }); // the poll would come in an hour
    const worker = startMailDelivery(db.db, config, silent, watching);
    try {
      await db.knex.transaction((trx) => enqueueMail(trx, mail('bea@example.com')));
      expect(await arrived).toBe('bea@example.com');
    } finally {
      await worker.stop();
    }
  });

  describe('while the SMTP server is down', () => {
    it('keeps the message, retries with back-off, and delivers it once the server is back', async () => {
      await smtp.stop();
      await enqueueMail(db.knex, mail());
      const { logger, lines } = capturingLogger();
      expect(await deliver(logger)).toEqual({ sent: 0, failed: 1 });

      let [row] = await outbox();
      expect(row).toMatchObject({ attempts: 1, sent_at: null, claimed_until: null });
      expect(row!.last_error).toMatch(/ECONNREFUSED/);
      const waited = row!.next_attempt_at!.getTime() - (await dbNow()).getTime();
      expect(waited).toBeGreaterThan(25_000);
      expect(waited).toBeLessThanOrEqual(30_000);
      expect(lines).toEqual([expect.objectContaining({ level: 40, mailId: row!.id, attempts: 1 })]);
      expect(await deliver()).toEqual({ sent: 0, failed: 0 }); // not due yet

      await makeDue();
      expect(await deliver()).toEqual({ sent: 0, failed: 1 });
      [row] = await outbox();
      const second = row!.next_attempt_at!.getTime() - (await dbNow()).getTime();
      expect(second).toBeGreaterThan(55_000); // twice as long
      expect(second).toBeLessThanOrEqual(60_000);

      await smtp.restart();
      await makeDue();
      expect(await deliver()).toEqual({ sent: 1, failed: 0 });
      expect(await deliver()).toEqual({ sent: 0, failed: 0 });
      expect(smtp.messages.map((m) => m.to)).toEqual([['ann@example.com']]);
      [row] = await outbox();
      expect(row).toMatchObject({ attempts: 3, last_error: null });
    });

    it('stores and logs no password when the server refuses the login', async () => {
      const password = 'Wrong-Pa55word!';
      const wrong = createMailTransport(
        testConfig({ SMTP_URL: smtp.url.replace(encodeURIComponent(smtp.password), encodeURIComponent(password)) }),
      );
      await enqueueMail(db.knex, mail());
      const { logger, lines } = capturingLogger();
      expect(await deliverQueuedMail(db.knex, wrong, logger)).toEqual({ sent: 0, failed: 1 });
      const [row] = await outbox();
      expect(row!.last_error).toMatch(/Invalid login/);
      const seen = JSON.stringify({ row, lines });
      for (const secret of [password, encodeURIComponent(password), Buffer.from(password).toString('base64')]) {
        expect(seen).not.toContain(secret);
      }
      expect(smtp.messages).toEqual([]);
    });

    it('gives up on a message still failing three days after it was queued', async () => {
      await smtp.stop();
      await enqueueMail(db.knex, mail());
      await db.knex('mail_outbox').update({ created_at: db.knex.raw("now() - interval '3 days 1 minute'") });
      const { logger, lines } = capturingLogger();
      expect(await deliver(logger)).toEqual({ sent: 0, failed: 1 });
      expect(await outbox()).toEqual([expect.objectContaining({ next_attempt_at: null, sent_at: null, attempts: 1 })]);
      expect(lines).toEqual([expect.objectContaining({ level: 50, msg: expect.stringMatching(/gave up/) })]);
      await smtp.restart();
      expect(await deliver()).toEqual({ sent: 0, failed: 0 });
    });
  });

  it('waits 30 s after the first failure, doubling up to an hour', () => {
    expect([1, 2, 3, 7, 8, 9, 1000].map(retryDelayMs)).toEqual([
      30_000, 60_000, 120_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
  });

  it('sends again a message whose worker stopped before marking it (its lease ran out)', async () => {
    await enqueueMail(db.knex, mail());
    // A worker claimed it, and then died: the lease is all that is left of it.
    await db.knex('mail_outbox').update({ claimed_until: db.knex.raw("now() + interval '1 minute'"), attempts: 1 });
    expect(await deliver()).toEqual({ sent: 0, failed: 0 });
    await db.knex('mail_outbox').update({ claimed_until: db.knex.raw("now() - interval '1 second'") });
    expect(await deliver()).toEqual({ sent: 1, failed: 0 });
    expect(await outbox()).toEqual([expect.objectContaining({ attempts: 2 })]);
  });

  it('purges mail sent, or given up on, more than 30 days ago in the background work', async () => {
    for (const to of ['old@example.com', 'abandoned@example.com', 'recent@example.com', 'queued@example.com']) {
      await enqueueMail(db.knex, mail(to));
    }
    const set = (recipient: string, changes: Record<string, unknown>) =>
      db.knex('mail_outbox').where({ recipient }).update(changes);
    await set('old@example.com', { sent_at: db.knex.raw("now() - interval '31 days'"), next_attempt_at: null });
    await set('abandoned@example.com', {
      created_at: db.knex.raw("now() - interval '31 days'"),
      next_attempt_at: null,
    });
    await set('recent@example.com', { sent_at: db.knex.raw("now() - interval '29 days'"), next_attempt_at: null });
    expect(await runBackgroundWork(db.db)).toMatchObject({ ran: true, result: { mail: 2 } });
    expect((await outbox()).map((row) => row.recipient).sort()).toEqual(['queued@example.com', 'recent@example.com']);
  });
});

describe('createMailTransport', () => {
  it('takes the password out of error texts, however it is written', () => {
    const password = 'p@ss/w:rd!';
    const redacting = createMailTransport(
      testConfig({ SMTP_URL: `smtps://mailer:${encodeURIComponent(password)}@smtp.example.com:465` }),
    );
    const base64 = (value: string) => Buffer.from(value).toString('base64');
    const login = base64(password); // AUTH LOGIN
    const plain = base64(`\u0000mailer\u0000${password}`); // AUTH PLAIN
    const text = `a ${password} b ${encodeURIComponent(password)} c ${login} d ${plain} e smtp://x:y@h`;
    expect(redacting.redact(text)).toBe('a *** b *** c *** d *** e smtp://x:***@h');
  });

  it('names where mail goes without the credentials', () => {
    const config = testConfig({ SMTP_URL: 'smtps://mailer:secret@smtp.example.com:465' });
    expect(createMailTransport(config).description).toBe('smtps://smtp.example.com:465');
  });
});
