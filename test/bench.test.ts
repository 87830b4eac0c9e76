// npm run bench (issue #6) is not a timed test: this proves it still works. Without
// DATABASE_URL it refuses with a message saying what it needs; on PostgreSQL (CI's second
// run) it runs whole — tiny datasets, 2-second loads — and every row must have answered
// without errors, with the table, the targets and the JSON file written.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { load } from '../bench/load';
import { summarize } from '../bench/profile';
import { printReport, targets, type Report, type Row } from '../bench/report';
import { benchOptions, runBench, UsageError } from '../bench/run';
import { connect, databaseUrlFor, ensureDatabase, ensureDataset } from '../bench/datasets';
import { migrateToLatest } from '../src/db';
import { seedBulk } from '../src/seed/bulk';

const ROOT = path.resolve(__dirname, '..');

it('says it needs PostgreSQL when DATABASE_URL is not set', () => {
  expect(() => benchOptions([], {})).toThrow(UsageError);
  expect(() => benchOptions([], {})).toThrow(/needs PostgreSQL: set DATABASE_URL/);
  expect(benchOptions(['--smoke'], { DATABASE_URL: 'postgres://x@127.0.0.1/db' })).toMatchObject({
    tickets: 300,
    seconds: 2,
    scale: [200, 600],
  });
  expect(() => benchOptions(['--seconds', 'soon'], { DATABASE_URL: 'postgres://x@127.0.0.1/db' })).toThrow(
    '--seconds must be a number.',
  );
});

it("bench:profile sums a CPU profile's self time by package and by function, idle left out", () => {
  const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });
  const text = summarize({
    nodes: [
      { id: 1, callFrame: frame('(idle)', '') },
      { id: 2, callFrame: frame('toSQL', 'file:///app/node_modules/knex/lib/query/querycompiler.js', 116) },
      { id: 3, callFrame: frame('spendCode', 'file:///app/dist/src/oauth/store.js', 9) },
      { id: 4, callFrame: frame('writev', '') },
    ],
    samples: [1, 2, 2, 3, 4, 1],
    timeDeltas: [5000, 1000, 1000, 1000, 1000, 5000],
  });
  expect(text).toContain('busy CPU: 0.00 s'); // 4 ms
  expect(text).toMatch(/50\.0 %\s+knex$/m);
  expect(text).toMatch(/25\.0 %\s+src\/oauth\/store$/m);
  expect(text).toMatch(/25\.0 %\s+\(native\)$/m);
  expect(text).toMatch(/50\.0 %\s+toSQL knex:117/);
  expect(text).not.toContain('idle');
});

it('bench:profile counts only the measured window, and per request', () => {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('compileFunction', 'node:internal/vm') }, // start-up
      { id: 2, callFrame: frame('toSQL', 'file:///app/node_modules/knex/lib/query/querycompiler.js') },
    ],
    startTime: 1_000_000,
    samples: [1, 1, 2, 2, 2, 1],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000], // at 1.001 s … 1.006 s
  };
  const text = summarize(profile, { fromMicros: 1_002_500, toMicros: 1_005_500, requests: 3 });
  expect(text).toContain('busy CPU: 0.00 s, 1000 µs per request'); // three knex samples
  expect(text).toMatch(/100\.0 %\s+knex$/m);
  expect(text).not.toContain('node:internal');
});

describe('what a row counts (issue #18)', () => {
  // A server that answers /ok with a list and /bad with a fast 400, like a spent code.
  let server: http.Server;
  let baseUrl: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.writeHead(req.url === '/ok' ? 200 : 400, { 'content-type': 'application/json' });
      res.end(req.url === '/ok' ? '[]' : '{"error":"invalid_grant"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const ok = (status: number, body: string) => status === 200 && body.startsWith('[');

  it('counts only the replies its check accepts; the rest are failures', async () => {
    let i = 0;
    const result = await load(baseUrl, {
      connections: 2,
      seconds: 1,
      warmupSeconds: 0,
      next: () => ({ path: i++ % 2 === 0 ? '/ok' : '/bad' }),
      ok,
      serverPids: () => [],
    });
    expect(result.requests).toBeGreaterThan(0);
    expect(result.errors).toBeGreaterThan(0);
    // Half and half, give or take the requests in flight when the run ended.
    expect(Math.abs(result.requests - result.errors)).toBeLessThanOrEqual(4);
    expect(result.exhaustedAfter).toBeUndefined();
  });

  it('mints single-use fixtures from the warm-up, and stops (and says so) when they run out', async () => {
    const minted: number[] = [];
    let left = 0;
    const never = await load(baseUrl, {
      connections: 2,
      seconds: 1,
      warmupSeconds: 0.5,
      next: () => (left-- > 0 ? { path: '/ok' } : undefined),
      ok,
      consumable: {
        guessPerSecond: 100,
        mint: (count) => {
          minted.push(count);
          left += count;
          return Promise.resolve();
        },
      },
      serverPids: () => [],
    });
    // A guess for the warm-up (four times more while it runs out), then twice its rate and a
    // margin: enough for the run.
    expect(minted[0]).toBe(50);
    for (let k = 1; k < minted.length - 1; k++) expect(minted[k]).toBe(4 * minted[k - 1]!);
    expect(minted.at(-1)).toBeGreaterThan(1000);
    expect(never.exhaustedAfter).toBeUndefined();
    expect(never.errors).toBe(0);

    let few = 30;
    const short = await load(baseUrl, {
      connections: 2,
      seconds: 2,
      warmupSeconds: 0,
      next: () => (few-- > 0 ? { path: '/ok' } : undefined),
      ok,
      serverPids: () => [],
    });
    expect(short.exhaustedAfter).toBeLessThan(2);
    expect(short.requests).toBeLessThanOrEqual(30);
    expect(short.errors).toBe(0); // the health checks sent after the end are neither
  });

  it('prints no ratio for a row with failures, and its targets fail', () => {
    const row = (name: string, rps: number, errors: number, compareTo?: string): Row => ({
      name,
      server: name,
      compareTo,
      connections: 32,
      requests: rps * 10,
      rps,
      mean: 10,
      p50: 10,
      p99: 20,
      errors,
      serverCpu: null,
      postgresCpu: null,
    });
    const report: Report = {
      at: '2026-11-30T00:00:00.000Z',
      machine: { cpus: 2, node: 'v20', platform: 'Linux' },
      settings: { tickets: 1, seconds: 10, warmupSeconds: 3, workers: 2 },
      rows: [
        row('code exchange (oidc-provider, PostgreSQL)', 9695, 68555),
        row('POST /oauth/token (code)', 1000, 0, 'code exchange (oidc-provider, PostgreSQL)'),
        row('introspection (oidc-provider, PostgreSQL)', 3000, 0),
        row('POST /oauth/introspect', 3300, 0, 'introspection (oidc-provider, PostgreSQL)'),
      ],
      scale: [],
    };
    const printed: string[] = [];
    printReport(report, (text) => printed.push(text));
    const lines = printed.join('').split('\n');
    expect(lines.find((line) => line.startsWith('POST /oauth/token (code)'))).toMatch(/invalid/);
    expect(lines.find((line) => line.startsWith('POST /oauth/introspect'))).toMatch(/1\.10/);
    const goals = targets(report);
    expect(goals.find((t) => t.what.startsWith('code exchange'))).toMatchObject({ met: false });
    expect(goals.find((t) => t.what.startsWith('code exchange'))!.measured).toMatch(/^invalid .*68555 failures/);
    expect(goals.find((t) => t.what.startsWith('introspection'))).toMatchObject({ met: true });
  });
});

// The bench measures PostgreSQL only, by design: this runs in CI's PostgreSQL pass.
const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  it('runs whole on PostgreSQL with a tiny dataset and 2-second loads', async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/ensure-build.js')], { stdio: 'ignore' });
    const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seatshare-bench-'));
    const printed: string[] = [];
    const { report, file } = await runBench({
      ...benchOptions(['--smoke', '--warmup', '0'], { DATABASE_URL: databaseUrl }),
      resultsDir,
      log: () => {},
      print: (text) => printed.push(text),
    });
    expect(printed.join('')).toMatch(/req\/s[\s\S]*Scale[\s\S]*Targets/);

    expect(report.rows.map((row) => `${row.name} @${row.connections}`)).toEqual([
      'ticket list (baseline) @32',
      'ticket list (baseline) @1',
      'ticket list (baseline, named) @32',
      'ticket list (baseline, named) @1',
      'GET /tickets?limit=50 @32',
      'GET /tickets?limit=50 @1',
      'GET /tickets?group_id&show=future @32',
      'GET /events?show=future @32',
      'GET /tickets/:id @32',
      'ticket write (baseline) @32',
      'PATCH /tickets/:id @32',
      'code exchange (oidc-provider, PostgreSQL) @32',
      'introspection (oidc-provider, PostgreSQL) @32',
      'code exchange (oidc-provider, in memory) @32',
      'introspection (oidc-provider, in memory) @32',
      'POST /oauth/token (code) @32',
      'POST /oauth/token (refresh) @32',
      'POST /oauth/introspect @32',
    ]);
    for (const row of report.rows) {
      expect({ row: row.name, errors: row.errors, ranOut: row.exhaustedAfter }).toEqual({
        row: row.name,
        errors: 0,
        ranOut: undefined,
      });
      expect(row.requests).toBeGreaterThan(0);
    }
    expect(report.scale.map((point) => point.results.length)).toEqual([2, 2]);
    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(written.targets.length).toBeGreaterThanOrEqual(8);
    expect(written.rows).toHaveLength(report.rows.length);
    fs.rmSync(resultsDir, { recursive: true, force: true });
  }, 300_000);

  it('vacuums a dataset once after seeding it, and one seeded without on its next use', async () => {
    const tickets = 37; // a size no other test seeds: this test owns the database
    const url = databaseUrlFor(databaseUrl, tickets);
    const name = new URL(url).pathname.slice(1);
    const admin = connect(databaseUrl, 1);
    const vacuumedAt = async () => {
      const dataset = connect(url, 1);
      try {
        const { rows } = await dataset.raw<{ rows: { at: Date | null }[] }>(
          `select coalesce(last_vacuum, last_autovacuum) as at from pg_stat_user_tables where relname = 'tickets'`,
        );
        return rows[0]?.at ?? null;
      } finally {
        await dataset.destroy();
      }
    };
    const ensure = async () => {
      const said: string[] = [];
      await ensureDataset(databaseUrl, tickets, (line) => said.push(line));
      return said;
    };
    const drop = () => admin.raw(`drop database if exists "${name}" with (force)`);
    try {
      await drop();
      expect(await ensure()).toEqual([`seeding ${tickets} tickets into ${name}…`, `vacuuming ${name}…`]);
      const settledAt = await vacuumedAt();
      expect(settledAt).toBeInstanceOf(Date);
      expect(await ensure()).toEqual([]); // seeded and settled: reused as it is
      expect(await vacuumedAt()).toEqual(settledAt);

      // A dataset seeded before settling existed: migrated and seeded, never vacuumed.
      await drop();
      const older = connect(await ensureDatabase(databaseUrl, tickets), 1);
      try {
        await migrateToLatest(older);
        await seedBulk(older, { tickets });
      } finally {
        await older.destroy();
      }
      expect(await vacuumedAt()).toBeNull();
      expect(await ensure()).toEqual([`vacuuming ${name}…`]);
      expect(await vacuumedAt()).toBeInstanceOf(Date);
    } finally {
      await drop();
      await admin.destroy();
    }
  }, 120_000);
}
