// Starting and stopping the servers the bench measures, each in its own process tree.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Started {
  name: string;
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

export async function start(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  readyPath = '/readyz',
): Promise<Started> {
  const child: ChildProcess = spawn(command, args, {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited at start-up (${child.exitCode}):\n${stderr}`);
    try {
      const res = await fetch(baseUrl + readyPath);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not become ready within 60 s:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    name,
    baseUrl,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(killer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** SeatShare's environment in the bench: its database, `workers` processes, no drain, limits out of the way. */
export function seatShareEnv(databaseUrl: string, port: number, workers: number): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: databaseUrl,
    BASE_URL: `http://127.0.0.1:${port}`,
    WEB_CONCURRENCY: String(workers),
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    SHUTDOWN_DRAIN_MS: '0', // no load balancer to tell: stop at once between rows
    // The bench measures speed, not the limits: one token and one IP make every request.
    RATE_LIMIT_API_PER_TOKEN: '1000000',
    RATE_LIMIT_TOKEN_PER_IP: '1000000',
  };
}
