// SeatShare as `npm start` runs it — `src/server.ts` in its own process (through tsx), workers
// and all — with its JSON log lines parsed as they come, and one-request connections to it.
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';

const ROOT = path.resolve(__dirname, '../..');
export type LogLine = Record<string, unknown>;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ServerProcess {
  port: number;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves once `enough` holds for the log lines so far (the server writes them as it goes). */
  waitFor(enough: (lines: LogLine[]) => boolean, what: string): Promise<LogLine[]>;
}

/** Starts the server with `env` over the test's environment; the embedded database gets a fresh DATA_DIR. */
export async function startServerProcess(env: NodeJS.ProcessEnv, { workers = 1 } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seatshare-server-'));
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    BASE_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'info',
    ...env,
  };
  delete childEnv.REDIS_URL;
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'src/server.ts'], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let pending = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete) if (line.startsWith('{')) lines.push(JSON.parse(line) as LogLine);
    for (const wake of waiters) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      resolve(code);
    }),
  );

  const waitFor = (enough: (all: LogLine[]) => boolean, what: string) =>
    new Promise<LogLine[]>((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`timed out waiting for ${what}; stderr: ${stderr.slice(-2000)}`)),
        60_000,
      );
      const check = () => enough(lines) && done();
      const done = (error?: Error) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (error) reject(error);
        else resolve(lines);
      };
      waiters.add(check);
      void exited.then(() => done(new Error(`the server exited before ${what}; stderr: ${stderr.slice(-2000)}`)));
      check();
    });

  await waitFor(
    (all) => all.filter((line) => line.msg === 'SeatShare is listening').length === workers,
    `${workers} listening`,
  );
  return { port, exited, kill: (signal) => child.kill(signal), waitFor };
}

export type Outcome = { answered: number } | { failed: string };

/** One GET on a connection of its own (`Connection: close`), as a load balancer sends a request. */
export function requestOnFreshConnection(port: number, urlPath: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const fail = (error: NodeJS.ErrnoException) => resolve({ failed: error.code ?? error.message });
    const req = http.request(
      { host: '127.0.0.1', port, path: urlPath, agent: false, headers: { connection: 'close' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ answered: res.statusCode ?? 0 }));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end();
  });
}
