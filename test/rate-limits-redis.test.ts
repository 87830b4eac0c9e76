// With REDIS_URL the counters live in Redis, so two instances of the app (two servers behind a
// load balancer) count together (SPEC §4). Talks to the Redis server at 127.0.0.1:6379 (a
// service of the machine, as PostgreSQL is); each run uses its own key prefix.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import pino from 'pino';
import { createApp } from '../src/app';
import { createRateLimiters, type RateLimiters } from '../src/http/rate-limits';
import { useTestDatabase } from './helpers/db';
import { testConfig } from './helpers/app';
import { buildUser, FACTORY_PASSWORD } from './factories';

const db = useTestDatabase();
const REDIS_URL = process.env.SEATSHARE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const opened: RateLimiters[] = [];

afterAll(async () => {
  await Promise.all(opened.map((limiters) => limiters.close()));
});

/** One instance: its own app and its own Redis connection, on the shared database and Redis. */
function instance(redisPrefix: string, env: NodeJS.ProcessEnv = {}) {
  const config = testConfig({ REDIS_URL, TRUST_PROXY: 'true', ...env });
  const rateLimiters = createRateLimiters(config, { redisPrefix });
  opened.push(rateLimiters);
  return createApp({ config, db: db.db, logger: pino({ level: 'silent' }), rateLimiters });
}

const authenticate = (app: ReturnType<typeof instance>, username: string, password: string, ip = '203.0.113.9') =>
  request(app).post('/api/authenticate/').set('X-Forwarded-For', ip).send({ username, password });

describe('rate limits across instances (Redis)', () => {
  it('refuses the eleventh wrong password for an account from one IP, whichever instance answers', async () => {
    const prefix = `seatshare-test:${randomUUID()}:`;
    const [a, b] = [instance(prefix), instance(prefix)];
    const user = await buildUser(db.knex);
    for (let i = 0; i < 10; i += 1) await authenticate(i % 2 === 0 ? a : b, user.email, 'wrong').expect(400);
    await authenticate(a, user.email, FACTORY_PASSWORD).expect(429);
    await authenticate(b, user.email, FACTORY_PASSWORD).expect(429);
  });

  it('shares the minting budget of an account, and takes successes back on both', async () => {
    const prefix = `seatshare-test:${randomUUID()}:`;
    const env = { RATE_LIMIT_TOKEN_MINT_PER_ACCOUNT: '4' };
    const [a, b] = [instance(prefix, env), instance(prefix, env)];
    const user = await buildUser(db.knex);
    for (const app of [a, b, a]) await authenticate(app, user.email, FACTORY_PASSWORD).expect(200);
    // The three successes were taken back from the failed-login counters: ten failures still pass.
    for (let i = 0; i < 10; i += 1) await authenticate(i % 2 === 0 ? b : a, user.email, 'wrong').expect(400);
    await authenticate(b, user.email, FACTORY_PASSWORD, '192.0.2.20').expect(200); // the fourth mint
    await authenticate(a, user.email, FACTORY_PASSWORD, '192.0.2.20').expect(429);
  });
});
