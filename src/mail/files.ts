// Mail written to disk instead of sent (no SMTP_URL): DATA_DIR/mail/<name>.eml, the message as
// an SMTP server would have received it (open it with any mail program), and <name>.json beside
// it with what /dev/mail shows, so the page needs no MIME parser. Names start with the time the
// message was queued, so they sort by time, and end with its outbox id, so delivering the same
// message again (at-least-once, see delivery.ts) rewrites the same files instead of adding some.
import fs from 'node:fs/promises';
import path from 'node:path';

export interface MailFileSummary {
  name: string;
  date: string; // ISO 8601, when it was queued
  from: string;
  to: string;
  subject: string;
}

export interface MailFile extends MailFileSummary {
  text: string;
  html: string;
}

/** `2026-12-01T10-00-00-000Z-<uuid>`: the only names listed or opened (no path can be formed). */
export const MAIL_FILE_NAME =
  /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const mailDirectory = (dataDir: string) => path.join(dataDir, 'mail');

export function mailFileName(queuedAt: Date, id: string): string {
  return `${queuedAt.toISOString().replace(/[:.]/g, '-')}-${id}`;
}

/** Writes both files, each through a temporary name, the .json last: a listed message is whole. */
export async function writeMailFile(dataDir: string, mail: MailFile, eml: Buffer): Promise<void> {
  const dir = mailDirectory(dataDir);
  await fs.mkdir(dir, { recursive: true });
  const write = async (file: string, content: string | Buffer) => {
    const temporary = path.join(dir, `.${file}.${process.pid}.tmp`);
    await fs.writeFile(temporary, content);
    await fs.rename(temporary, path.join(dir, file));
  };
  await write(`${mail.name}.eml`, eml);
  await write(`${mail.name}.json`, JSON.stringify(mail));
}

/** The newest `limit` messages first. */
export async function listMailFiles(dataDir: string, limit = 200): Promise<MailFileSummary[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(mailDirectory(dataDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const names = entries
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .filter((name) => MAIL_FILE_NAME.test(name))
    .sort()
    .reverse()
    .slice(0, limit);
  const files = await Promise.all(names.map((name) => readMailFile(dataDir, name)));
  return files.flatMap((file) =>
    file ? [{ name: file.name, date: file.date, from: file.from, to: file.to, subject: file.subject }] : [],
  );
}

/** One message and its raw header block, or undefined for a name that is not one of ours. */
export async function readMailFile(
  dataDir: string,
  name: string,
): Promise<(MailFile & { headers: string }) | undefined> {
  if (!MAIL_FILE_NAME.test(name)) return undefined;
  const base = path.join(mailDirectory(dataDir), name);
  try {
    const mail = JSON.parse(await fs.readFile(`${base}.json`, 'utf8')) as MailFile;
    const eml = await fs.readFile(`${base}.eml`, 'utf8');
    const end = eml.search(/\r?\n\r?\n/);
    return { ...mail, name, headers: end === -1 ? eml : eml.slice(0, end) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The .eml file itself, as written. */
export async function readEml(dataDir: string, name: string): Promise<Buffer | undefined> {
  if (!MAIL_FILE_NAME.test(name)) return undefined;
  try {
    return await fs.readFile(path.join(mailDirectory(dataDir), `${name}.eml`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
