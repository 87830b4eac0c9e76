// One row of the bench: autocannon (as a library) against a URL, a warm-up that is thrown
// away, then the measured run, with the CPU the server and PostgreSQL spent meanwhile.
//
// Only successful replies count (issue #18): each reply is checked by the row's `ok` (status
// and body), and req/s and latencies are computed over the ones it accepts; the rest are
// failures, printed beside them. A fast failure (a spent code answered 400 in a millisecond)
// would otherwise inflate req/s — the bench once printed a peer at 9,695 req/s over 68,555
// errors. Latencies are our own, per reply, in fractions of a millisecond (autocannon's
// percentiles are whole milliseconds and count every reply).
import autocannon from 'autocannon';
import { cpuSnapshot, cpuSpent } from './cpu';

export interface LoadRequest {
  method?: 'GET' | 'POST' | 'PATCH';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Single-use fixtures (codes, refresh tokens): minted before each run, as many as it needs. */
export interface Consumable {
  /** Adds `count` more to what `next` hands out. */
  mint(count: number): Promise<void>;
  /** A guess of the rate, to mint for the warm-up (it stops early if that was too few). */
  guessPerSecond: number;
}

export interface LoadOptions {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** Each request is made anew: distinct codes, refresh tokens, ticket ids. Undefined: none left. */
  next: () => LoadRequest | undefined;
  /** Whether a reply is the success this row measures. */
  ok: (status: number, body: string) => boolean;
  consumable?: Consumable;
  serverPids: () => number[];
}

export interface LoadResult {
  connections: number;
  /** Successful replies in the measured run. */
  requests: number;
  /** Successful replies per second of the measured run. */
  rps: number;
  /** Latencies of successful replies, in ms. */
  mean: number;
  p50: number;
  p99: number;
  /** Replies that were not the expected success, plus connection errors and timeouts. */
  errors: number;
  /** Set when single-use fixtures ran out: the run stopped after this many seconds. */
  exhaustedAfter?: number;
  /** CPU used, as a share of one core (100 = one core busy the whole time). */
  serverCpu: number | null;
  postgresCpu: number | null;
}

/** Where a reply that comes after the fixtures ran out is sent: any server's health check. */
const EXHAUSTED: LoadRequest = { path: '/readyz' };

interface Run {
  successes: number[];
  failures: number;
  seconds: number;
  exhaustedAfter?: number;
}

async function run(
  baseUrl: string,
  connections: number,
  seconds: number,
  next: () => LoadRequest | undefined,
  ok: (status: number, body: string) => boolean,
): Promise<Run> {
  const successes: number[] = [];
  let failures = 0;
  let exhaustedAt: number | null = null;
  // autocannon calls a request's onResponse and then emits 'response' for the same reply in
  // one synchronous step, so the verdict of the one is the verdict of the other.
  let verdict = false;
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  let instance: autocannon.Instance | undefined;
  const options: autocannon.Options = {
    url: baseUrl,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        setupRequest: (request) => {
          const made = exhaustedAt === null ? next() : EXHAUSTED;
          if (made === undefined && exhaustedAt === null) {
            exhaustedAt = elapsed();
            setImmediate(() => instance?.stop());
          }
          const chosen = made ?? EXHAUSTED;
          return {
            ...request,
            method: chosen.method ?? 'GET',
            path: chosen.path,
            headers: { accept: 'application/json', ...(chosen.headers ?? {}) },
            ...(chosen.body !== undefined ? { body: chosen.body } : {}),
          };
        },
        onResponse: (status: number, body: string) => {
          verdict = exhaustedAt === null && ok(status, body);
        },
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(options, (error: unknown, finished) =>
      error
        ? reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }))
        : resolve(finished),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      if (verdict) successes.push(responseTime);
      else if (exhaustedAt === null) failures++;
    });
  });
  return {
    successes,
    failures: failures + result.errors + result.timeouts,
    seconds: exhaustedAt ?? Math.min(elapsed(), seconds),
    ...(exhaustedAt !== null ? { exhaustedAfter: Math.round(exhaustedAt * 10) / 10 } : {}),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function load(baseUrl: string, options: LoadOptions): Promise<LoadResult> {
  const { consumable } = options;
  let warmupRate = consumable ? consumable.guessPerSecond : 0;
  if (options.warmupSeconds > 0) {
    // A warm-up that ran out of fixtures measured too short a time: again, with four times more.
    let count = consumable ? Math.ceil(consumable.guessPerSecond * options.warmupSeconds) : 0;
    for (let attempt = 0; attempt < 5; attempt++, count *= 4) {
      if (consumable) await consumable.mint(count);
      const warm = await run(baseUrl, options.connections, options.warmupSeconds, options.next, options.ok);
      if (warm.seconds > 0) warmupRate = Math.max(warm.successes.length / warm.seconds, 1);
      if (warm.exhaustedAfter === undefined) break;
    }
  }
  // Fixtures never run out: twice the warm-up's rate, and a margin (a warm server is faster).
  if (consumable) await consumable.mint(Math.ceil(warmupRate * options.seconds * 2) + 1000);
  const before = cpuSnapshot(options.serverPids());
  const measured = await run(baseUrl, options.connections, options.seconds, options.next, options.ok);
  const spent = cpuSpent(before, cpuSnapshot(options.serverPids()));
  const share = (seconds: number | null) => (seconds === null ? null : Math.round((seconds / measured.seconds) * 100));
  const sorted = Float64Array.from(measured.successes).sort();
  const latencies = Array.from(sorted);
  const total = latencies.reduce((sum, ms) => sum + ms, 0);
  return {
    connections: options.connections,
    requests: latencies.length,
    rps: Math.round(latencies.length / measured.seconds),
    mean: latencies.length ? round(total / latencies.length) : NaN,
    p50: round(percentile(latencies, 50), 1),
    p99: round(percentile(latencies, 99), 1),
    errors: measured.failures,
    ...(measured.exhaustedAfter !== undefined ? { exhaustedAfter: measured.exhaustedAfter } : {}),
    serverCpu: share(spent.server),
    postgresCpu: share(spent.postgres),
  };
}
