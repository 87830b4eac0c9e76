// Without SMTP_URL mail is written under DATA_DIR/mail (SPEC §7), and /dev/mail shows it outside
// production so that a person trying SeatShare can follow the links. Everything it shows comes
// from mail content, so everything is escaped; a message is opened only by its own file name.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp, testConfig } from '../helpers/app';
import { enqueueMail } from '../../src/mail/outbox';
import { deliverQueuedMail } from '../../src/mail/delivery';
import { createMailTransport } from '../../src/mail/transport';

const db = useTestDatabase();
const LINK = 'http://seatshare.test/verify?token=abc123&next=%2Faccount';
let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seatshare-mail-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const config = () => testConfig({ DATA_DIR: dataDir });
const mailFiles = () => fs.readdirSync(path.join(dataDir, 'mail')).sort();

async function queueAndDeliver(): Promise<void> {
  const queue = (to: string, subject: string, minutesAgo: number) =>
    db.knex.transaction(async (trx) => {
      await enqueueMail(trx, { to, subject, template: 'test-message', data: { name: 'Ann', link: LINK } });
      await trx('mail_outbox')
        .where({ recipient: to })
        .update({ created_at: trx.raw(`now() - interval '${minutesAgo} minutes'`) });
    });
  await queue('older@example.com', 'The older one', 5);
  await queue('newer@example.com', 'Newer <script>alert(1)</script>', 1);
  const transport = createMailTransport(config());
  expect(await deliverQueuedMail(db.knex, transport, pino({ level: 'silent' }))).toEqual({ sent: 2, failed: 0 });
  transport.close();
}

describe('mail without SMTP_URL', () => {
  it('is written as .eml files (and a .json for /dev/mail) named by the time it was queued', async () => {
    await queueAndDeliver();
    const files = mailFiles();
    expect(files).toHaveLength(4);
    const [olderEml, olderJson, newerEml] = files;
    expect(olderEml).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[0-9a-f-]{36}\.eml$/);
    expect(olderJson).toBe(olderEml!.replace(/eml$/, 'json'));
    const eml = fs.readFileSync(path.join(dataDir, 'mail', olderEml!), 'utf8');
    expect(eml).toMatch(/^To: older@example\.com$/m);
    expect(eml).toMatch(/^Subject: The older one$/m);
    expect(eml).toMatch(/^From: SeatShare <no-reply@localhost>$/m);
    expect(eml).toMatch(/multipart\/alternative/);
    expect(fs.readFileSync(path.join(dataDir, 'mail', newerEml!), 'utf8')).toMatch(/^To: newer@example\.com$/m);
  });

  it('rewrites the same files when a message is delivered again', async () => {
    await queueAndDeliver();
    await db.knex('mail_outbox').update({ sent_at: null, next_attempt_at: db.knex.fn.now() });
    const transport = createMailTransport(config());
    expect(await deliverQueuedMail(db.knex, transport, pino({ level: 'silent' }))).toEqual({ sent: 2, failed: 0 });
    expect(mailFiles()).toHaveLength(4);
  });

  it('is listed at /dev/mail, newest first, escaped', async () => {
    await queueAndDeliver();
    const page = await request(testApp(db.db, { config: config() }))
      .get('/dev/mail')
      .expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).not.toContain('<script>alert(1)');
    const newer = page.text.indexOf('Newer &lt;script&gt;alert(1)&lt;/script&gt;');
    const older = page.text.indexOf('The older one');
    expect(newer).toBeGreaterThan(-1);
    expect(older).toBeGreaterThan(newer);
    expect(page.text).toContain('newer@example.com');
  });

  it('shows one message: headers, the text with its links clickable, the HTML in a sandboxed frame', async () => {
    await queueAndDeliver();
    const app = testApp(db.db, { config: config() });
    const name = mailFiles()[0]!.replace(/\.eml$/, '');
    const page = await request(app).get(`/dev/mail/${name}`).expect(200);
    expect(page.text).toMatch(/To: older@example\.com/);
    const escapedLink = LINK.replace('&', '&amp;');
    expect(page.text).toContain(`<a href="${escapedLink}">${escapedLink}</a>`);
    expect(page.text).toContain(
      `<iframe class="mail-html" title="HTML body of the message" sandbox src="/dev/mail/${name}/html"`,
    );
    // The frame's own CSP lets the mail's inline styles show, and nothing run or load.
    const html = await request(app).get(`/dev/mail/${name}/html`).expect(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.text).toContain('<a href="');
    expect(html.headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox",
    );
    expect(html.headers['x-frame-options']).toBe('SAMEORIGIN');
    const raw = await request(app).get(`/dev/mail/${name}/raw`).expect(200);
    expect(raw.headers['content-type']).toMatch(/^message\/rfc822/);
    expect(raw.headers['content-disposition']).toBe(`attachment; filename="${name}.eml"`);
  });

  it('opens nothing but a message of its own folder', async () => {
    await queueAndDeliver();
    // What a path past the folder would reach: DATA_DIR/secret.{json,eml}.
    fs.writeFileSync(path.join(dataDir, 'secret.json'), '{"subject":"secret","text":"secret","html":""}');
    fs.writeFileSync(path.join(dataDir, 'secret.eml'), 'Subject: secret\n\nsecret\n');
    const app = testApp(db.db, { config: config() });
    for (const url of [
      '/dev/mail/..%2Fsecret',
      '/dev/mail/..%2F..%2Fetc%2Fpasswd',
      '/dev/mail/%2E%2E%2Fsecret/raw',
      '/dev/mail/..%2Fsecret/html',
      '/dev/mail/2026-12-01T10-00-00-000Z-00000000-0000-0000-0000-000000000000',
    ]) {
      const page = await request(app).get(url).expect(404);
      expect(page.text).not.toContain('secret');
    }
  });

  it('does not exist in production', async () => {
    await queueAndDeliver();
    const production = testConfig({
      NODE_ENV: 'production',
      SESSION_SECRET: 's'.repeat(40),
      TRUST_PROXY: 'loopback',
      BASE_URL: 'https://seats.example.com',
      DATA_DIR: dataDir,
    });
    const app = testApp(db.db, { config: production });
    await request(app).get('/dev/mail').set('X-Forwarded-Proto', 'https').expect(404);
    const name = mailFiles()[0]!.replace(/\.eml$/, '');
    await request(app).get(`/dev/mail/${name}`).set('X-Forwarded-Proto', 'https').expect(404);
  });
});
