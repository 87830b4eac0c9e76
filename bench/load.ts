// One row of the bench: autocannon (as a library) against a URL, a warm-up that is thrown
// away, then the measured run, with the CPU the server and PostgreSQL spent meanwhile.
import autocannon from 'autocannon';
import { cpuSnapshot, cpuSpent } from './cpu';

export interface LoadRequest {
  method?: 'GET' | 'POST' | 'PATCH';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** Each request is made anew: distinct codes, refresh tokens, ticket ids. */
  next: () => LoadRequest;
  serverPids: () => number[];
}

export interface LoadResult {
  connections: number;
  requests: number;
  rps: number;
  /** Latencies in ms: autocannon's percentiles are whole milliseconds, the mean is not. */
  mean: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU used, as a share of one core (100 = one core busy the whole time). */
  serverCpu: number | null;
  postgresCpu: number | null;
}

function run(baseUrl: string, connections: number, seconds: number, next: () => LoadRequest) {
  return autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        setupRequest: (request) => {
          const made = next();
          return {
            ...request,
            method: made.method ?? 'GET',
            path: made.path,
            headers: { accept: 'application/json', ...(made.headers ?? {}) },
            ...(made.body !== undefined ? { body: made.body } : {}),
          };
        },
      },
    ],
  });
}

export async function load(baseUrl: string, options: LoadOptions): Promise<LoadResult> {
  if (options.warmupSeconds > 0) await run(baseUrl, options.connections, options.warmupSeconds, options.next);
  const before = cpuSnapshot(options.serverPids());
  const result = await run(baseUrl, options.connections, options.seconds, options.next);
  const spent = cpuSpent(before, cpuSnapshot(options.serverPids()));
  const share = (seconds: number | null) => (seconds === null ? null : Math.round((seconds / options.seconds) * 100));
  return {
    connections: options.connections,
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    mean: Math.round(result.latency.mean * 100) / 100,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    serverCpu: share(spent.server),
    postgresCpu: share(spent.postgres),
  };
}
