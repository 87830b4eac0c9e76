// `npm start`: validate settings, open and migrate the database, serve, and shut down
// gracefully on SIGTERM/SIGINT. On PostgreSQL with WEB_CONCURRENCY > 1 (default: one per core)
// the first process migrates, then forks that many workers sharing the port (node:cluster);
// instances are stateless, so workers are just more instances.
import cluster from 'node:cluster';
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createDatabase, migrateToLatest } from './db';
import { DataDirInUseError } from './db/data-dir-lock';
import { createLogger, type Logger } from './logger';
import { createShutdownController } from './http/shutdown';
import { createRateLimiters } from './http/rate-limits';
import { createSessionStore } from './web/session';
import { purgeExpired } from './oauth/store';

const SHUTDOWN_GRACE_MS = 1000;
const PRUNE_INTERVAL_MS = 15 * 60 * 1000;

async function primary(config: Config, logger: Logger): Promise<void> {
  const db = createDatabase(config, { logger, poolMax: 1 });
  const applied = await migrateToLatest(db.knex);
  if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
  await db.close();

  let stopping = false;
  for (let i = 0; i < config.webConcurrency; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    // A worker that dies is replaced; the others keep serving meanwhile.
    logger.error({ pid: worker.process.pid, code, signal }, 'worker exited; starting another');
    cluster.fork();
  });
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: config.webConcurrency }, 'shutting down the workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (cluster.isPrimary && config.webConcurrency > 1) return primary(config, logger);

  const db = createDatabase(config, { logger });
  if (cluster.isPrimary) {
    const applied = await migrateToLatest(db.knex);
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
  }

  const shutdown = createShutdownController();
  const rateLimiters = createRateLimiters(config);
  const app = createApp({ config, db, logger, shutdown, rateLimiters });
  // Expired sessions, codes and tokens are deleted now and then (any instance may do it; the
  // deletes are idempotent).
  const sessions = createSessionStore(db.knex);
  const pruning = setInterval(() => {
    sessions.prune().catch((error: unknown) => logger.warn({ err: error }, 'session pruning failed'));
    purgeExpired(db.knex).catch((error: unknown) => logger.warn({ err: error }, 'purging expired codes and tokens failed'));
  }, PRUNE_INTERVAL_MS);
  pruning.unref();
  const server = app.listen(config.port, () => {
    logger.info(
      { port: config.port, baseUrl: config.baseUrl, database: db.mode, worker: cluster.worker?.id, startupMs: Math.round(performance.now() - startedAt) },
      'SeatShare is listening',
    );
  });
  server.on('error', (error) => {
    logger.fatal({ err: error }, 'could not listen');
    void db.close().finally(() => process.exit(1));
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await shutdown.shutdown(server, { graceMs: SHUTDOWN_GRACE_MS, timeoutMs: config.shutdownTimeoutMs });
    clearInterval(pruning);
    await rateLimiters.close();
    await db.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirInUseError) {
    process.stderr.write(`seatshare: ${error.message}\n`);
  } else {
    process.stderr.write(`seatshare: start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
