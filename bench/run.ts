// `npm run bench`: how fast SeatShare is on PostgreSQL, measured side by side in one run with
// (1) a baseline — a bare Express route running the ticket list's one SQL statement — and
// (2) a peer — oidc-provider with in-memory storage — for the token endpoint. Load comes from
// autocannon (as a library): a warm-up that is thrown away, then the measured run, at 32
// connections and, for latency, at 1. Then the scale curve: the ticket list at a small and a
// large dataset. Prints a table and writes bench-results/bench-<time>.json (git-ignored).
//
//   DATABASE_URL=postgres://… npm run bench [-- --tickets 100000 --seconds 10 --scale 10000,1000000]
//   npm run bench -- --smoke      (tiny datasets and 2-second loads: proves the bench works)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import knexFactory from 'knex';
import { pageQuery } from '../src/http/pagination';
import { listTickets } from '../src/api/v1/tickets/queries';
import { ensureDataset, type Dataset } from './datasets';
import {
  CODE_VERIFIER,
  REDIRECT_URI,
  connect,
  makeCodes,
  makeFixtures,
  makeRefreshTokens,
  type Fixtures,
} from './fixtures';
import { load, type LoadRequest, type LoadResult } from './load';
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
    scale: (values.scale ?? (smoke ? '200,600' : '10000,1000000')).split(',').map((size) => number(size, 0, 'scale')),
    workers: number(values.workers, os.availableParallelism(), 'workers'),
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

function once<T>(items: T[]): () => T {
  let i = 0;
  // Past the end the last item is repeated: its failures show up as errors in the row.
  return () => items[Math.min(i++, items.length - 1)]!;
}

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
  const knex = connect(main.url);
  const fixtures = await makeFixtures(knex);
  // Enough distinct codes and refresh tokens for a fast server: ~4000 a second, warm-up included.
  const perRun = Math.ceil(4000 * (opts.seconds + opts.warmupSeconds));
  // The peer keeps codes in memory and on an idle machine exchanged a little over 4000 a second:
  // codes ran out and the reused last one counted as 1311 errors. Minting more costs it nothing.
  const peerPerRun = 3 * perRun;

  const ports = { app: await freePort(), baseline: await freePort(), peer: await freePort() };
  const statementFile = path.join(os.tmpdir(), `seatshare-bench-statement-${process.pid}.json`);
  await baselineStatement(fixtures, statementFile);
  const rows: Row[] = [];
  const scalePoints: ScalePoint[] = [];
  const started: Started[] = [];
  try {
    log(`starting SeatShare (${opts.workers} workers), the baseline and the peer…`);
    const app = await startApp(main.url, ports.app, opts.workers);
    started.push(app);
    const baseline = await start(
      'baseline',
      process.execPath,
      [path.join(__dirname, 'baseline-server.js')],
      {
        DATABASE_URL: main.url,
        WEB_CONCURRENCY: String(opts.workers),
        BASELINE_STATEMENT: statementFile,
      },
      ports.baseline,
    );
    started.push(baseline);
    const peer = await start(
      'oidc-provider',
      process.execPath,
      [path.join(__dirname, 'peer-server.mjs')],
      { CODE_VERIFIER },
      ports.peer,
    );
    started.push(peer);

    const [firstCode] = await makeCodes(knex, fixtures, 1);
    const bearer = { authorization: `Bearer ${await accessToken(app, fixtures, firstCode!)}` };
    const pidsOf = (server: Started) => () => [server.pid];
    const row = async (
      name: string,
      server: Started,
      next: () => LoadRequest,
      compareTo?: string,
      connections = [32],
    ) => {
      for (const c of connections) {
        log(`${name} at ${c} connection(s)…`);
        const result: LoadResult = await load(server.baseUrl, {
          connections: c,
          seconds: opts.seconds,
          warmupSeconds: opts.warmupSeconds,
          next,
          serverPids: pidsOf(server),
        });
        rows.push({ name, server: server.name, compareTo, ...result });
      }
    };

    const v1 = '/api/v1';
    const visible = cycle(fixtures.visibleTicketIds);
    const owned = cycle(fixtures.ownedTicketIds);
    let patches = 0;

    await row('ticket list (baseline)', baseline, () => ({ path: '/tickets' }), undefined, [32, 1]);
    await row('ticket list (baseline, named)', baseline, () => ({ path: '/tickets-named' }), undefined, [32, 1]);
    await row(
      'GET /tickets?limit=50',
      app,
      () => ({ path: `${v1}/tickets?limit=50`, headers: bearer }),
      'ticket list (baseline)',
      [32, 1],
    );
    await row('GET /tickets?group_id&show=future', app, () => ({
      path: `${v1}/tickets?group_id=${fixtures.groupId}&show=future`,
      headers: bearer,
    }));
    await row('GET /events?show=future', app, () => ({ path: `${v1}/events?show=future`, headers: bearer }));
    await row('GET /tickets/:id', app, () => ({ path: `${v1}/tickets/${visible()}`, headers: bearer }));
    await row('PATCH /tickets/:id', app, () => ({
      method: 'PATCH',
      path: `${v1}/tickets/${owned()}`,
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ note: `bench ${patches++}` }),
    }));

    const peerMint = (await (await fetch(`${peer.baseUrl}/__mint?codes=${peerPerRun}`)).json()) as {
      codes: string[];
      accessToken: string;
    };
    const peerAuth = basic('bench', 'bench-secret-0123456789abcdef0123456789abcdef');
    const peerCodes = once(peerMint.codes);
    await row('code exchange (oidc-provider)', peer, () => ({
      method: 'POST',
      path: '/token',
      headers: { 'content-type': FORM, authorization: peerAuth },
      body: form({
        grant_type: 'authorization_code',
        code: peerCodes(),
        redirect_uri: REDIRECT_URI,
        code_verifier: CODE_VERIFIER,
      }),
    }));
    await row('introspection (oidc-provider)', peer, () => ({
      method: 'POST',
      path: '/token/introspection',
      headers: { 'content-type': FORM, authorization: peerAuth },
      body: form({ token: peerMint.accessToken }),
    }));

    const clientAuth = basic(fixtures.clientId, fixtures.clientSecret);
    const codes = once(await makeCodes(knex, fixtures, perRun));
    await row(
      'POST /oauth/token (code)',
      app,
      () => ({
        method: 'POST',
        path: '/oauth/token',
        headers: { 'content-type': FORM, authorization: clientAuth },
        body: form({
          grant_type: 'authorization_code',
          code: codes(),
          redirect_uri: REDIRECT_URI,
          code_verifier: CODE_VERIFIER,
        }),
      }),
      'code exchange (oidc-provider)',
    );
    const refreshTokens = once(await makeRefreshTokens(knex, fixtures, perRun));
    await row('POST /oauth/token (refresh)', app, () => ({
      method: 'POST',
      path: '/oauth/token',
      headers: { 'content-type': FORM, authorization: clientAuth },
      body: form({ grant_type: 'refresh_token', refresh_token: refreshTokens() }),
    }));
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
      'introspection (oidc-provider)',
    );
    await knex.destroy();

    for (const server of started.splice(0)) await server.stop();

    // The scale curve: the same request for the same kind of user, on datasets of growing size.
    for (const size of opts.scale) {
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
