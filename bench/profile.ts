// `npm run bench:profile -- --request introspect`: where one worker's CPU goes under load.
// Starts SeatShare with one worker under `node --cpu-prof`, drives one kind of request at 32
// connections, stops it (the profile is written at exit) and prints self time by package and
// by function. The .cpuprofile stays in bench-results/ for Chrome DevTools.
//
//   DATABASE_URL=postgres://… npm run bench:profile -- --request code|refresh|introspect|list|ticket|patch|metadata [--seconds 10]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDataset } from './datasets';
import { CODE_VERIFIER, REDIRECT_URI, connect, makeCodes, makeFixtures, makeRefreshTokens } from './fixtures';
import { load, type LoadRequest } from './load';
import { freePort, seatShareEnv, start } from './processes';
import { UsageError } from './run';

const ROOT = path.resolve(__dirname, '..');
const FORM = 'application/x-www-form-urlencoded';
// metadata: a request with no database work, the floor of what the HTTP stack costs.
const REQUESTS = ['code', 'refresh', 'introspect', 'list', 'ticket', 'patch', 'metadata'] as const;
type RequestKind = (typeof REQUESTS)[number];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the monotonic clock, the one process.hrtime reads in every process. */
  startTime?: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Window {
  /** Count only samples taken in [from, to) (µs, monotonic clock): leaves start-up and shutdown out. */
  fromMicros?: number;
  toMicros?: number;
  /** Requests served in the window: adds CPU per request. */
  requests?: number;
}

/** Now on the clock a CPU profile's timestamps use. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** node_modules/<package>, a file of ours, node's internals, or V8's pseudo-frames. */
function ownerOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage) return inPackage[1]!;
  if (url.startsWith('node:')) return 'node:internal';
  const ours = /\/(dist\/)?(src\/.*)$/.exec(url);
  return ours ? ours[2]!.replace(/\.js$/, '') : url;
}

export function summarize(profile: CpuProfile, window: Window = {}, top = 20): string {
  const selfTime = new Map<number, number>();
  let at = profile.startTime ?? 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= (window.fromMicros ?? -Infinity) && at < (window.toMicros ?? Infinity))
      selfTime.set(id, (selfTime.get(id) ?? 0) + delta);
  });
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const time = selfTime.get(node.id) ?? 0;
    if (time === 0 || node.callFrame.functionName === '(idle)') continue;
    busy += time;
    const owner = ownerOf(node.callFrame.url, node.callFrame.functionName);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + time);
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${owner}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + time);
  }
  const table = (title: string, entries: Map<string, number>) =>
    [`${title} (self time, % of busy CPU)`]
      .concat(
        [...entries]
          .sort(([, a], [, b]) => b - a)
          .slice(0, top)
          .map(([name, time]) => `${((100 * time) / busy).toFixed(1).padStart(6)} %  ${name}`),
      )
      .join('\n');
  const perRequest = window.requests ? `, ${(busy / window.requests).toFixed(0)} µs per request` : '';
  return `busy CPU: ${(busy / 1e6).toFixed(2)} s${perRequest}\n\n${table('by package or file', byOwner)}\n\n${table('by function', byFunction)}\n`;
}

async function main() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { request: { type: 'string' }, seconds: { type: 'string' }, tickets: { type: 'string' } },
  });
  const kind = values.request as RequestKind;
  if (!REQUESTS.includes(kind)) throw new UsageError(`--request must be one of ${REQUESTS.join(', ')}.`);
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new UsageError('The profile needs PostgreSQL: set DATABASE_URL.');
  const seconds = Number(values.seconds ?? 10);
  const log = (line: string) => process.stderr.write(`profile: ${line}\n`);

  const dataset = await ensureDataset(databaseUrl, Number(values.tickets ?? 100_000), log);
  const knex = connect(dataset.url);
  const fixtures = await makeFixtures(knex);
  const clientAuth = `Basic ${Buffer.from(`${fixtures.clientId}:${fixtures.clientSecret}`).toString('base64')}`;
  const count = Math.ceil(3000 * (seconds + 1));
  const codes = await makeCodes(knex, fixtures, count + 1);
  const refreshTokens = kind === 'refresh' ? await makeRefreshTokens(knex, fixtures, count) : [];
  await knex.destroy();

  const dir = path.join(ROOT, 'bench-results', `profile-${kind}-${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const app = await start(
    'SeatShare',
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, path.join(ROOT, 'dist/src/server.js')],
    seatShareEnv(dataset.url, port, 1),
    port,
  );
  const window: Window = {};
  try {
    const exchange = await fetch(`${app.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': FORM, authorization: clientAuth },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: codes.pop()!,
        redirect_uri: REDIRECT_URI,
        code_verifier: CODE_VERIFIER,
      }),
    });
    const accessToken = ((await exchange.json()) as { access_token: string }).access_token;
    let i = 0;
    const post = (body: Record<string, string>, target = '/oauth/token'): LoadRequest => ({
      method: 'POST',
      path: target,
      headers: { 'content-type': FORM, authorization: clientAuth },
      body: new URLSearchParams(body).toString(),
    });
    // Codes and refresh tokens are single-use: when they run out, the load stops (and says so).
    const next: Record<RequestKind, () => LoadRequest | undefined> = {
      code: () =>
        i < codes.length
          ? post({
              grant_type: 'authorization_code',
              code: codes[i++]!,
              redirect_uri: REDIRECT_URI,
              code_verifier: CODE_VERIFIER,
            })
          : undefined,
      refresh: () =>
        i < refreshTokens.length
          ? post({ grant_type: 'refresh_token', refresh_token: refreshTokens[i++]! })
          : undefined,
      introspect: () => post({ token: accessToken }, '/oauth/introspect'),
      list: () => ({ path: '/api/v1/tickets?limit=50', headers: { authorization: `Bearer ${accessToken}` } }),
      ticket: () => ({
        path: `/api/v1/tickets/${fixtures.visibleTicketIds[i++ % fixtures.visibleTicketIds.length]}`,
        headers: { authorization: `Bearer ${accessToken}` },
      }),
      patch: () => ({
        method: 'PATCH',
        path: `/api/v1/tickets/${fixtures.ownedTicketIds[i++ % fixtures.ownedTicketIds.length]}`,
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ note: `profile ${i}` }),
      }),
      metadata: () => ({ path: '/.well-known/oauth-authorization-server' }),
    };
    log(`${kind} at 32 connections for ${seconds} s, one worker under --cpu-prof…`);
    // The profile covers the process's whole life; start-up (module loading) is left out.
    window.fromMicros = monotonicMicros();
    const result = await load(app.baseUrl, {
      connections: 32,
      seconds,
      warmupSeconds: 0,
      next: next[kind],
      ok: (status) => status === 200,
      serverPids: () => [app.pid],
    });
    window.toMicros = monotonicMicros();
    window.requests = result.requests;
    if (result.exhaustedAfter !== undefined) log(`the codes or tokens ran out after ${result.exhaustedAfter} s`);
    log(
      `${result.rps.toFixed(0)} req/s, ${result.errors} failures, server CPU ${result.serverCpu?.toFixed(0) ?? '?'} %`,
    );
  } finally {
    await app.stop();
  }
  const file = fs.readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile was written to ${dir}`);
  process.stdout.write(summarize(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile, window));
  log(`profile: ${path.relative(process.cwd(), path.join(dir, file))}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`profile failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
