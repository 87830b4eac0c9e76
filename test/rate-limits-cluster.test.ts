// The failed-login limit with workers (node:cluster), as `npm start` runs on PostgreSQL and
// without Redis (SPEC §4: the limit a client meets does not depend on which worker answers).
// The real server runs with WEB_CONCURRENCY=2; fresh connections are dealt to the workers in
// turn by the primary, and the log line of each refusal names the worker that answered.
import http from 'node:http';
import { useTestDatabase } from './helpers/db';
import { withDatabase } from './helpers/environment';
import { startServerProcess } from './helpers/server-process';
import { buildUser } from './factories';

const db = useTestDatabase();

/** One request on its own connection (no keep-alive), so the primary hands it to the next worker. */
function postJson(port: number, urlPath: string, body: unknown, requestId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      },
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
    const { name } = (await db.knex.raw<{ rows: Array<{ name: string }> }>('select current_database() as name'))
      .rows[0]!;
    // Without REDIS_URL (the helper drops it): the case under test is counters in the primary.
    const server = await startServerProcess(
      { DATABASE_URL: withDatabase(process.env.DATABASE_URL!, name), WEB_CONCURRENCY: '2' },
      { workers: 2 },
    );
    try {
      const run = `${Date.now()}`;
      for (let i = 1; i <= 10; i += 1) {
        expect(
          await postJson(
            server.port,
            '/api/authenticate/',
            { username: user.email, password: 'wrong' },
            `fail-${run}-${i}`,
          ),
        ).toBe(400);
      }
      // Each attempt from here on is refused, by one worker and by the other: with counters
      // per worker, the one that had seen five or fewer of the ten would have let it through.
      const refusingWorkers = new Set<unknown>();
      for (let i = 11; i <= 16 && refusingWorkers.size < 2; i += 1) {
        const id = `refused-${run}-${i}`;
        expect(await postJson(server.port, '/api/authenticate/', { username: user.email, password: 'wrong' }, id)).toBe(
          429,
        );
        const lines = await server.waitFor(
          (all) => all.some((line) => line.reqId === id && line.msg === 'rate limit reached'),
          `the log line of ${id}`,
        );
        const refusal = lines.find((line) => line.reqId === id && line.msg === 'rate limit reached')!;
        expect(refusal.limit).toBe('login-account-ip');
        refusingWorkers.add(refusal.worker);
      }
      expect(refusingWorkers.size).toBe(2);
      expect([...refusingWorkers].every((worker) => typeof worker === 'number')).toBe(true);
    } finally {
      server.kill('SIGINT'); // stops without the load balancer's drain
      await server.exited;
    }
  }, 60_000);
});
