// `npm start`: validate settings, open and migrate the database, serve, and shut down
// gracefully on SIGTERM/SIGINT.
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { createDatabase, migrateToLatest } from './db';
import { DataDirInUseError } from './db/data-dir-lock';
import { createLogger } from './logger';
import { createShutdownController } from './http/shutdown';
import { createRateLimiters } from './http/rate-limits';
import { createSessionStore } from './web/session';

const SHUTDOWN_GRACE_MS = 1000;
const SESSION_PRUNE_INTERVAL_MS = 15 * 60 * 1000;

async function main(): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = createDatabase(config, { logger });
  const applied = await migrateToLatest(db.knex);
  if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');

  const shutdown = createShutdownController();
  const rateLimiters = createRateLimiters(config);
  const app = createApp({ config, db, logger, shutdown, rateLimiters });
  // Expired sessions are deleted now and then (any instance may do it; the delete is idempotent).
  const sessions = createSessionStore(db.knex);
  const pruning = setInterval(() => {
    sessions.prune().catch((error: unknown) => logger.warn({ err: error }, 'session pruning failed'));
  }, SESSION_PRUNE_INTERVAL_MS);
  pruning.unref();
  const server = app.listen(config.port, () => {
    logger.info(
      { port: config.port, baseUrl: config.baseUrl, database: db.mode, startupMs: Math.round(performance.now() - startedAt) },
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
