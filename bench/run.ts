// `npm run bench`: how fast SeatShare is on PostgreSQL, measured side by side in one run with
// (1) baselines — a bare Express + pg server running the ticket list's one SQL statement, and a
// ticket write's minimum (one UPDATE and one history INSERT in one transaction) — and (2) peers
// for the token endpoint: oidc-provider storing in PostgreSQL with as many processes as
// SeatShare (the like-for-like anchor), and oidc-provider in memory (the runtime's upper bound).
// Load comes from autocannon (as a library): a warm-up that is thrown away, then the measured
// run, at 32 connections and, for latency, at 1; only successful replies count (bench/load.ts).
// Then the scale curve: the ticket list at a small and a large dataset. Prints a table and
// writes bench-results/bench-<time>.json (git-ignored).
//
//   DATABASE_URL=postgres://… npm run bench [-- --tickets 100000 --seconds 10 --scale 10000,10000000]
//   npm run bench -- --smoke      (tiny datasets and 2-second loads: proves the bench works)
//   npm run bench -- --only oauth,oidc-provider   (the rows whose names contain one of these)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import knexFactory from 'knex';
import { pageQuery } from '../src/http/pagination';
import { listTickets } from '../src/api/v1/tickets/queries';
import { ensureDatabase, ensureDataset, type Dataset } from './datasets';
import {
  CODE_VERIFIER,
  REDIRECT_URI,
  connect,
  makeCodes,
  makeFixtures,
  makeRefreshTokens,
  type Fixtures,
} from './fixtures';
import { load, type Consumable, type LoadRequest, type LoadResult } from './load';
import { freePort, seatShareEnv, start, type Started } from './processes';
import { printReport, writeReport, type Row, type ScalePoint } from './report';

const ROOT = path.resolve(__dirname, '..');

export interface BenchOptions {
  databaseUrl: string;
  tickets: number;
  seconds: number;
  warmupSeconds: number;
  scale: number[];
  workers: number;
  /** Only the rows whose names contain one of these (and the scale curve if one is "scale"). */
  only?: string[];
  resultsDir: string;
  log: (line: string) => void;
  print: (text: string) => void;
}

export function benchOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      tickets: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      scale: { type: 'string' },
      workers: { type: 'string' },
      only: { type: 'string' },
      smoke: { type: 'boolean' },
    },
  });
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    throw new UsageError(
      'The bench needs PostgreSQL: set DATABASE_URL (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/seatshare npm run bench). ' +
        'It creates and seeds databases named after it (<name>_bench_<tickets>); the embedded database is not benchmarked.',
    );
  }
  const smoke = values.smoke ?? false;
  const number = (value: string | undefined, fallback: number, name: string) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number.`);
    return n;
  };
  return {
    databaseUrl,
    tickets: number(values.tickets, smoke ? 300 : 100_000, 'tickets'),
    seconds: number(values.seconds, smoke ? 2 : 10, 'seconds'),
    warmupSeconds: number(values.warmup, smoke ? 1 : 3, 'warmup'),
    scale: (values.scale ?? (smoke ? '200,600' : '10000,10000000')).split(',').map((size) => number(size, 0, 'scale')),
    workers: number(values.workers, os.availableParallelism(), 'workers'),
    ...(values.only ? { only: values.only.split(',') } : {}),
    resultsDir: path.join(ROOT, 'bench-results'),
    log: (line) => process.stderr.write(`bench: ${line}\n`),
    print: (text) => process.stdout.write(text),
  };
}

export class UsageError extends Error {}

function cycle<T>(items: T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length]!;
}

/** Single-use fixtures (codes, refresh tokens), handed out once each; minted by the row's load. */
function supply(mint: (count: number) => Promise<string[]>, guessPerSecond: number) {
  const items: string[] = [];
  let taken = 0;
  const consumable: Consumable = {
    guessPerSecond,
    mint: async (count) => {
      for (const item of await mint(count)) items.push(item);
    },
  };
  const take = (): string | undefined => (taken < items.length ? items[taken++] : undefined);
  /** The row's next request, built around the next item; undefined once they ran out. */
  const requests = (build: (item: string) => LoadRequest) => () => {
    const item = take();
    return item === undefined ? undefined : build(item);
  };
  return { consumable, requests };
}

/** The success each row measures: the status and the start of the body it must answer. */
const OK = {
  list: (status: number, body: string) => status === 200 && body.startsWith('['),
  object: (status: number, body: string) => status === 200 && body.startsWith('{'),
  token: (status: number, body: string) => status === 200 && body.includes('"access_token":"'),
  active: (status: number, body: string) => status === 200 && body.includes('"active":true'),
};

/**
 * The runtime every other server of the bench gets: the young generation SeatShare's workers
 * run with (WORKER_SEMI_SPACE_MB's default), so that the comparison is of the code, not of a
 * V8 setting one side has and the others lack.
 */
const SAME_RUNTIME = { NODE_OPTIONS: '--max-semi-space-size=64' };

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';

function startApp(url: string, port: number, workers: number): Promise<Started> {
  return start(
    'SeatShare',
    process.execPath,
    [path.join(ROOT, 'dist/src/server.js')],
    seatShareEnv(url, port, workers),
    port,
  );
}

/** A real access token, from a real authorization-code exchange at the app's token endpoint. */
async function accessToken(app: Started, fixtures: Fixtures, code: string): Promise<string> {
  const res = await fetch(`${app.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basic(fixtures.clientId, fixtures.clientSecret) },
    body: form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: CODE_VERIFIER }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`the token endpoint refused the bench's code: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** The SQL the app sends for the user's first page of tickets, for the baseline to run as is. */
async function baselineStatement(fixtures: Fixtures, file: string): Promise<void> {
  const knex = knexFactory({ client: 'pg' });
  const statement = pageQuery(knex, listTickets(knex, { userId: fixtures.userId }, {}), { limit: 50, offset: 0 })
    .toSQL()
    .toNative();
  fs.writeFileSync(file, JSON.stringify(statement));
  await knex.destroy();
}

export async function runBench(opts: BenchOptions) {
  const { log } = opts;

  const main = await ensureDataset(opts.databaseUrl, opts.tickets, log);
  const peerDatabase = await ensureDatabase(opts.databaseUrl, 'bench_peer');
  const knex = connect(main.url);
  const fixtures = await makeFixtures(knex);

  const ports = {
    app: await freePort(),
    baseline: await freePort(),
    peer: await freePort(),
    memoryPeer: await freePort(),
  };
  const statementFile = path.join(os.tmpdir(), `seatshare-bench-statement-${process.pid}.json`);
  await baselineStatement(fixtures, statementFile);
  const rows: Row[] = [];
  const scalePoints: ScalePoint[] = [];
  const started: Started[] = [];
  try {
    log(`starting SeatShare (${opts.workers} workers), the baseline and the peers…`);
    const app = await startApp(main.url, ports.app, opts.workers);
    started.push(app);
    const baseline = await start(
      'baseline',
      process.execPath,
      [path.join(__dirname, 'baseline-server.js')],
      {
        ...SAME_RUNTIME,
        DATABASE_URL: main.url,
        WEB_CONCURRENCY: String(opts.workers),
        BASELINE_STATEMENT: statementFile,
        BASELINE_USER_ID: fixtures.userId,
      },
      ports.baseline,
    );
    started.push(baseline);
    // The like-for-like peer: its storage in PostgreSQL (same server), as many processes as ours.
    const peer = await start(
      'oidc-provider (PostgreSQL)',
      process.execPath,
      [path.join(__dirname, 'peer-server.mjs')],
      { ...SAME_RUNTIME, CODE_VERIFIER, PEER_DATABASE_URL: peerDatabase, WEB_CONCURRENCY: String(opts.workers) },
      ports.peer,
    );
    started.push(peer);
    // The runtime's upper bound: everything in one process's memory.
    const memoryPeer = await start(
      'oidc-provider (in memory)',
      process.execPath,
      [path.join(__dirname, 'peer-server.mjs')],
      { ...SAME_RUNTIME, CODE_VERIFIER, PEER_DATABASE_URL: '', WEB_CONCURRENCY: '1' },
      ports.memoryPeer,
    );
    started.push(memoryPeer);

    const [firstCode] = await makeCodes(knex, fixtures, 1);
    const bearer = { authorization: `Bearer ${await accessToken(app, fixtures, firstCode!)}` };
    const row = async (
      name: string,
      server: Started,
      next: () => LoadRequest | undefined,
      {
        ok,
        compareTo,
        connections = [32],
        consumable,
      }: {
        ok: (status: number, body: string) => boolean;
        compareTo?: string;
        connections?: number[];
        consumable?: Consumable;
      },
    ) => {
      if (opts.only && !opts.only.some((part) => name.includes(part))) return;
      for (const c of connections) {
        log(`${name} at ${c} connection(s)…`);
        const result: LoadResult = await load(server.baseUrl, {
          connections: c,
          seconds: opts.seconds,
          warmupSeconds: opts.warmupSeconds,
          next,
          ok,
          consumable,
          serverPids: () => [server.pid],
        });
        rows.push({ name, server: server.name, compareTo, ...result });
      }
    };

    const v1 = '/api/v1';
    const visible = cycle(fixtures.visibleTicketIds);
    const owned = cycle(fixtures.ownedTicketIds);
    const json = { 'content-type': 'application/json' };
    let patches = 0;

    await row('ticket list (baseline)', baseline, () => ({ path: '/tickets' }), { ok: OK.list, connections: [32, 1] });
    await row('ticket list (baseline, named)', baseline, () => ({ path: '/tickets-named' }), {
      ok: OK.list,
      connections: [32, 1],
    });
    await row('GET /tickets?limit=50', app, () => ({ path: `${v1}/tickets?limit=50`, headers: bearer }), {
      ok: OK.list,
      compareTo: 'ticket list (baseline, named)',
      connections: [32, 1],
    });
    await row(
      'GET /tickets?group_id&show=future',
      app,
      () => ({ path: `${v1}/tickets?group_id=${fixtures.groupId}&show=future`, headers: bearer }),
      { ok: OK.list },
    );
    await row('GET /events?show=future', app, () => ({ path: `${v1}/events?show=future`, headers: bearer }), {
      ok: OK.list,
    });
    await row('GET /tickets/:id', app, () => ({ path: `${v1}/tickets/${visible()}`, headers: bearer }), {
      ok: OK.object,
    });
    const wrote = (status: number, body: string) => status === 200 && body.includes('"note":"bench ');
    await row(
      'ticket write (baseline)',
      baseline,
      () => ({
        method: 'PATCH',
        path: `/tickets/${owned()}`,
        headers: json,
        body: JSON.stringify({ note: `bench ${patches++}` }),
      }),
      { ok: wrote },
    );
    await row(
      'PATCH /tickets/:id',
      app,
      () => ({
        method: 'PATCH',
        path: `${v1}/tickets/${owned()}`,
        headers: { ...bearer, ...json },
        body: JSON.stringify({ note: `bench ${patches++}` }),
      }),
      { ok: wrote, compareTo: 'ticket write (baseline)' },
    );

    // The peers: codes minted straight into their storage, as a finished authorization would.
    const peerAuth = basic('bench', 'bench-secret-0123456789abcdef0123456789abcdef');
    for (const [server, storage, guessPerSecond] of [
      [peer, 'PostgreSQL', 3000],
      [memoryPeer, 'in memory', 10000],
    ] as const) {
      const mint = async (count: number) =>
        (await (await fetch(`${server.baseUrl}/__mint?codes=${count}`)).json()) as {
          codes: string[];
          accessToken: string;
        };
      const codes = supply(async (count) => (await mint(count)).codes, guessPerSecond);
      await row(
        `code exchange (oidc-provider, ${storage})`,
        server,
        codes.requests((code) => ({
          method: 'POST',
          path: '/token',
          headers: { 'content-type': FORM, authorization: peerAuth },
          body: form({
            grant_type: 'authorization_code',
            code,
            redirect_uri: REDIRECT_URI,
            code_verifier: CODE_VERIFIER,
          }),
        })),
        { ok: OK.token, consumable: codes.consumable },
      );
      const { accessToken: peerToken } = await mint(1);
      await row(
        `introspection (oidc-provider, ${storage})`,
        server,
        () => ({
          method: 'POST',
          path: '/token/introspection',
          headers: { 'content-type': FORM, authorization: peerAuth },
          body: form({ token: peerToken }),
        }),
        { ok: OK.active },
      );
    }

    const clientAuth = basic(fixtures.clientId, fixtures.clientSecret);
    const tokenRequest = (fields: Record<string, string>): LoadRequest => ({
      method: 'POST',
      path: '/oauth/token',
      headers: { 'content-type': FORM, authorization: clientAuth },
      body: form(fields),
    });
    const codes = supply((count) => makeCodes(knex, fixtures, count), 3000);
    await row(
      'POST /oauth/token (code)',
      app,
      codes.requests((code) =>
        tokenRequest({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT_URI,
          code_verifier: CODE_VERIFIER,
        }),
      ),
      { ok: OK.token, compareTo: 'code exchange (oidc-provider, PostgreSQL)', consumable: codes.consumable },
    );
    const refreshTokens = supply((count) => makeRefreshTokens(knex, fixtures, count), 3000);
    await row(
      'POST /oauth/token (refresh)',
      app,
      refreshTokens.requests((refreshToken) =>
        tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      ),
      { ok: OK.token, compareTo: 'code exchange (oidc-provider, PostgreSQL)', consumable: refreshTokens.consumable },
    );
    const introspected = bearer.authorization.slice('Bearer '.length);
    await row(
      'POST /oauth/introspect',
      app,
      () => ({
        method: 'POST',
        path: '/oauth/introspect',
        headers: { 'content-type': FORM, authorization: clientAuth },
        body: form({ token: introspected }),
      }),
      { ok: OK.active, compareTo: 'introspection (oidc-provider, PostgreSQL)' },
    );
    await knex.destroy();

    for (const server of started.splice(0)) await server.stop();

    // The scale curve: the same request for the same kind of user, on datasets of growing size.
    for (const size of opts.only && !opts.only.includes('scale') ? [] : opts.scale) {
      const dataset: Dataset = await ensureDataset(opts.databaseUrl, size, log);
      const db = connect(dataset.url);
      const at = await makeFixtures(db);
      const [code] = await makeCodes(db, at, 1);
      await db.destroy();
      const scaled = await startApp(dataset.url, await freePort(), opts.workers);
      started.push(scaled);
      const headers = { authorization: `Bearer ${await accessToken(scaled, at, code!)}` };
      const point: ScalePoint = { tickets: dataset.tickets, results: [] };
      for (const c of [1, 32]) {
        log(`scale: ticket list on ${dataset.tickets} tickets at ${c} connection(s)…`);
        point.results.push(
          await load(scaled.baseUrl, {
            connections: c,
            seconds: opts.seconds,
            warmupSeconds: opts.warmupSeconds,
            next: () => ({ path: `${v1}/tickets?limit=50`, headers }),
            ok: OK.list,
            serverPids: () => [scaled.pid],
          }),
        );
      }
      scalePoints.push(point);
      await started.pop()!.stop();
    }
  } finally {
    for (const server of started) await server.stop();
    fs.rmSync(statementFile, { force: true });
  }

  const report = {
    at: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), node: process.version, platform: `${os.type()} ${os.release()}` },
    settings: {
      tickets: main.tickets,
      seconds: opts.seconds,
      warmupSeconds: opts.warmupSeconds,
      workers: opts.workers,
    },
    rows,
    scale: scalePoints,
  };
  printReport(report, opts.print);
  const file = writeReport(opts.resultsDir, report);
  log(`results written to ${path.relative(process.cwd(), file)}`);
  return { report, file };
}

if (require.main === module) {
  (async () => {
    try {
      await runBench(benchOptions(process.argv.slice(2)));
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`bench: ${error.message}\n`);
        process.exit(2);
      }
      throw error;
    }
  })().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
