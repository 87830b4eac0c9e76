// The failed-login limit with workers (node:cluster), as `npm start` runs on PostgreSQL and
// without Redis (SPEC §4: the limit a client meets does not depend on which worker answers).
// The real server runs with WEB_CONCURRENCY=2; fresh connections are dealt to the workers in
// turn by the primary, and the log line of each refusal names the worker that answered.
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { useTestDatabase } from './helpers/db';
import { withDatabase } from './helpers/environment';
import { buildUser } from './factories';

const db = useTestDatabase();
const ROOT = path.resolve(__dirname, '..');
type LogLine = Record<string, unknown>;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `node src/server.ts` (through tsx) on the file's database, with two workers and its logs parsed. */
async function startCluster(databaseUrl: string) {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, WEB_CONCURRENCY: '2', PORT: String(port), BASE_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'info' };
  delete env.REDIS_URL; // the case under test: counters in the primary
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'src/server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  let stderr = '';
  let pending = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete) if (line.startsWith('{')) lines.push(JSON.parse(line) as LogLine);
    for (const wake of waiters) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  /** Resolves with the log lines once `enough` holds for them (the server writes them as it goes). */
  const waitFor = (enough: (lines: LogLine[]) => boolean, what: string) =>
    new Promise<LogLine[]>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}; stderr: ${stderr.slice(-2000)}`)), 30_000);
      const check = () => enough(lines) && done();
      const done = (error?: Error) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (error) reject(error);
        else resolve(lines);
      };
      waiters.add(check);
      void exited.then(() => done(new Error(`the server exited; stderr: ${stderr.slice(-2000)}`)));
      check();
    });

  await waitFor((all) => all.filter((line) => line.msg === 'SeatShare is listening').length === 2, 'two workers listening');
  return {
    port,
    waitFor,
    async stop() {
      child.kill('SIGINT'); // stops without the load balancer's drain
      await exited;
    },
  };
}

/** One request on its own connection (no keep-alive), so the primary hands it to the next worker. */
function postJson(port: number, urlPath: string, body: unknown, requestId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: urlPath, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-request-id': requestId } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

// Workers need PostgreSQL (the embedded database belongs to one process): this runs in CI's
// PostgreSQL pass.
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
onPostgres('failed-login limits with two workers (PostgreSQL)', () => {
  it('refuses the eleventh wrong password for an account from one IP, whichever worker answers', async () => {
    const user = await buildUser(db.knex);
    const { name } = (await db.knex.raw<{ rows: Array<{ name: string }> }>('select current_database() as name')).rows[0]!;
    const server = await startCluster(withDatabase(process.env.DATABASE_URL!, name));
    try {
      const run = `${Date.now()}`;
      for (let i = 1; i <= 10; i += 1) {
        expect(await postJson(server.port, '/api/authenticate/', { username: user.email, password: 'wrong' }, `fail-${run}-${i}`)).toBe(400);
      }
      // Each attempt from here on is refused, by one worker and by the other: with counters
      // per worker, the one that had seen five or fewer of the ten would have let it through.
      const refusingWorkers = new Set<unknown>();
      for (let i = 11; i <= 16 && refusingWorkers.size < 2; i += 1) {
        const id = `refused-${run}-${i}`;
        expect(await postJson(server.port, '/api/authenticate/', { username: user.email, password: 'wrong' }, id)).toBe(429);
        const lines = await server.waitFor((all) => all.some((line) => line.reqId === id && line.msg === 'rate limit reached'), `the log line of ${id}`);
        const refusal = lines.find((line) => line.reqId === id && line.msg === 'rate limit reached')!;
        expect(refusal.limit).toBe('login-account-ip');
        refusingWorkers.add(refusal.worker);
      }
      expect(refusingWorkers.size).toBe(2);
      expect([...refusingWorkers].every((worker) => typeof worker === 'number')).toBe(true);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
