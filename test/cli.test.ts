// The operator CLI: each command against the test database, and the real process for exit
// codes and the embedded database's lock.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCli } from '../src/cli';
import { hashToken } from '../src/security/tokens';
import { verifyPassword } from '../src/security/passwords';
import { useTestDatabase } from './helpers/db';
import { buildUser } from './factories';

const db = useTestDatabase();

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    openDatabase: () => ({ ...db.db, close: async () => {} }), // the file's database stays open
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

describe('usage', () => {
  it('prints usage and exits 2 without a command, or with an unknown one', async () => {
    expect(await cli()).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('Usage: seatshare <command>'),
    });
    expect(await cli('frobnicate')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Unknown command "frobnicate"'),
    });
  });

  it('exits 2 with usage for command names that are Object.prototype members', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const result = await cli(name);
      expect(result).toMatchObject({
        code: 2,
        stdout: '',
        stderr: expect.stringContaining(`Unknown command "${name}"`),
      });
      expect(result.stderr).toContain('Usage: seatshare <command>');
    }
  });

  it('prints usage on stdout and exits 0 for help', async () => {
    expect(await cli('help')).toMatchObject({ code: 0, stdout: expect.stringContaining('create-client --name') });
  });

  it('exits 2 on unknown options, missing options and invalid values', async () => {
    expect(await cli('migrate', '--force')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("Unknown option '--force'"),
    });
    expect(await cli('create-user', '--email', 'a@example.com')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Missing --password.'),
    });
    const invalid = await cli(
      'create-user',
      '--email',
      'not-an-email',
      '--password',
      'short',
      '--first-name',
      'A',
      '--last-name',
      'B',
    );
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('--email: must be an email address');
    expect(invalid.stderr).toContain('--password: must be at least 8 characters');
    expect(await db.knex('users').count({ n: '*' }).first()).toEqual({ n: 0 });
  });
});

describe('migrate', () => {
  it('reports that the database is current', async () => {
    expect(await cli('migrate')).toMatchObject({ code: 0, stdout: 'The database is up to date.\n' });
    expect((await cli('migrate', '--json')).json()).toEqual({ applied: [] });
  });
});

describe('create-user', () => {
  it('creates an account with an argon2id password hash', async () => {
    const result = await cli(
      'create-user',
      '--email',
      'Dana@Example.com',
      '--password',
      'a long password',
      '--first-name',
      'Dana',
      '--last-name',
      'Diaz',
      '--json',
    );
    expect(result.code).toBe(0);
    expect(result.json()).toEqual({
      id: expect.any(String),
      email: 'Dana@Example.com',
      first_name: 'Dana',
      last_name: 'Diaz',
    });
    const user = await db.knex('users').where({ id: result.json().id }).first();
    expect(await verifyPassword(user.password_hash, 'a long password')).toBe(true);
  });

  it('refuses an email that exists in another case, with exit 1', async () => {
    await buildUser(db.knex, { email: 'dana@example.com' });
    const result = await cli(
      'create-user',
      '--email',
      'DANA@example.com',
      '--password',
      'a long password',
      '--first-name',
      'D',
      '--last-name',
      'D',
    );
    expect(result).toMatchObject({
      code: 1,
      stderr: 'seatshare create-user: A user with the email DANA@example.com already exists.\n',
    });
  });
});

describe('create-client', () => {
  it('registers a confidential client, printing the secret once and storing its digest', async () => {
    const result = await cli(
      'create-client',
      '--name',
      'X',
      '--redirect-uri',
      'http://127.0.0.1:9999/cb',
      '--redirect-uri',
      'https://x.example.com/cb',
      '--json',
    );
    expect(result.code).toBe(0);
    const printed = result.json();
    expect(printed).toEqual({
      client_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      client_secret: expect.stringMatching(/^sss_/),
      name: 'X',
      client_type: 'confidential',
      redirect_uris: ['http://127.0.0.1:9999/cb', 'https://x.example.com/cb'],
    });
    const row = await db.knex('oauth_clients').where({ client_id: printed.client_id }).first();
    expect(row.secret_hash).toBe(hashToken(printed.client_secret));
    expect(JSON.stringify(row)).not.toContain(printed.client_secret);
  });

  it('registers a public client without a secret, owned by --owner', async () => {
    const owner = await buildUser(db.knex, { email: 'dev@example.com' });
    const result = await cli(
      'create-client',
      '--name',
      'Mobile',
      '--redirect-uri',
      'com.example.app:/cb',
      '--public',
      '--owner',
      'DEV@example.com',
      '--json',
    );
    expect(result.code).toBe(0);
    expect(result.json().client_secret).toBeUndefined();
    expect(await db.knex('oauth_clients').where({ client_id: result.json().client_id }).first()).toMatchObject({
      client_type: 'public',
      secret_hash: null,
      owner_id: owner.id,
    });
  });

  it('prints readable text without --json', async () => {
    const result = await cli('create-client', '--name', 'Y', '--redirect-uri', 'https://y.example.com/cb');
    expect(result.stdout).toMatch(
      /^Registered confidential client "Y".\nclient_id: +[0-9a-f]{32}\nclient_secret: sss_/,
    );
  });

  it('refuses a bad redirect URI (2), a missing one (2) and an unknown owner (1)', async () => {
    const bad = await cli('create-client', '--name', 'X', '--redirect-uri', 'http://evil.example.com/cb');
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('--redirect-uris.0: must use https') });
    expect(await cli('create-client', '--name', 'X')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Missing --redirect-uri'),
    });
    const unknown = await cli(
      'create-client',
      '--name',
      'X',
      '--redirect-uri',
      'https://x.example.com/cb',
      '--owner',
      'ghost@example.com',
    );
    expect(unknown).toMatchObject({
      code: 1,
      stderr: 'seatshare create-client: No user has the email ghost@example.com.\n',
    });
    expect(await db.knex('oauth_clients').count({ n: '*' }).first()).toEqual({ n: 0 });
  });
});

describe('demo', () => {
  it('fills an empty database, then refuses to run again', async () => {
    const result = await cli('demo', '--json');
    expect(result.code).toBe(0);
    const demo = result.json();
    expect(demo.users).toHaveLength(5);
    expect(demo.clients[0]).toMatchObject({
      client_id: expect.any(String),
      client_secret: expect.stringMatching(/^sss_/),
    });
    const count = async (table: string) => Number((await db.knex(table).count({ n: '*' }).first())?.n);
    expect({
      users: await count('users'),
      groups: await count('groups'),
      memberships: await count('memberships'),
      events: await count('events'),
      tickets: await count('tickets'),
      clients: await count('oauth_clients'),
    }).toEqual({
      users: 5,
      groups: 2,
      memberships: 7,
      events: 12,
      tickets: 26,
      clients: 3,
    });
    expect(await db.knex('events').where('start_time', '<', new Date()).count({ n: '*' }).first()).toEqual({ n: 3 });
    expect(await db.knex('tickets').whereNull('assignee_id').count({ n: '*' }).first()).toEqual({ n: 7 });
    // Built through the API's own functions: roles, invitations, history and the request are there.
    expect(await db.knex('memberships').where({ role: 'admin' }).count({ n: '*' }).first()).toEqual({ n: 3 });
    expect(
      await db.knex('invitations').select('email', db.knex.raw('accepted_at is not null as accepted')).orderBy('email'),
    ).toEqual([
      { email: 'dave@example.com', accepted: true },
      { email: 'frank@example.com', accepted: false },
    ]);
    // Mailed as the API mails them, so /dev/mail is not empty once the server delivers.
    expect(await db.knex('mail_outbox').select('recipient', 'subject').orderBy('recipient')).toEqual([
      { recipient: 'dave@example.com', subject: 'You are invited to a group on SeatShare' },
      { recipient: 'frank@example.com', subject: 'You are invited to a group on SeatShare' },
    ]);
    const actions = await db
      .knex('ticket_history')
      .select('action')
      .count({ n: '*' })
      .groupBy('action')
      .orderBy('action');
    expect(actions).toEqual([
      { action: 'assigned', n: 5 },
      { action: 'created', n: 26 },
      { action: 'requested', n: 1 },
      { action: 'updated', n: 2 },
    ]);
    expect(demo.personal_token.token).toMatch(/^ssp_/);
    expect(demo.docs_url).toContain('/docs?client_id=');

    expect(await cli('demo')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('only fills an empty database'),
    });
    expect(await count('users')).toBe(5);
  });
});

describe('the real process on the embedded database', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seatshare-cli-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const run = (...args: string[]) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'test' };
    delete env.DATABASE_URL;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'src/cli.ts', ...args], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { ...result, ms: Date.now() - started };
  };

  it('creates a client in a new data folder and keeps it for the next process', () => {
    const created = run('create-client', '--name', 'X', '--redirect-uri', 'http://127.0.0.1:9999/cb', '--json');
    expect(created.status).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      client_id: expect.any(String),
      client_secret: expect.any(String),
    });
    const again = run(
      'create-user',
      '--email',
      'x@example.com',
      '--password',
      'long enough',
      '--first-name',
      'X',
      '--last-name',
      'Y',
    );
    expect(again.status).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'seatshare.lock'))).toBe(false);
  }, 60_000);

  it('stops at once with a message when the data folder is in use', () => {
    // This test process stands in for a running server holding the lock.
    fs.writeFileSync(path.join(dataDir, 'seatshare.lock'), String(process.pid));
    try {
      const result = run('migrate');
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`is in use by another SeatShare process (pid ${process.pid})`);
      expect(result.stderr).toContain('DATABASE_URL');
      expect(result.ms).toBeLessThan(5000);
    } finally {
      fs.rmSync(path.join(dataDir, 'seatshare.lock'));
    }
  });

  it('takes over a lock left by a process that is gone', () => {
    fs.writeFileSync(path.join(dataDir, 'seatshare.lock'), '999999');
    expect(run('migrate').status).toBe(0);
  }, 60_000);
});
