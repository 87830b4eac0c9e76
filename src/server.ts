// `npm start`: validate settings, open and migrate the database, serve, and shut down
// gracefully on SIGTERM/SIGINT (SPEC §1). On PostgreSQL with WEB_CONCURRENCY > 1 (default: one
// per core) the first process migrates, listens, and deals the connections to that many worker
// processes (src/http/cluster.ts); instances are stateless, so workers are just more instances.
//
// Shutdown: SIGTERM (an orchestrator, a load balancer in front) drains first — /readyz 503,
// every response `Connection: close`, connections still accepted — for SHUTDOWN_DRAIN_MS, then
// stops accepting and finishes what is in flight. SIGINT (a person at a terminal) skips the drain.
import cluster from 'node:cluster';
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createDatabase, migrateToLatest } from './db';
import { DataDirInUseError } from './db/data-dir-lock';
import { createLogger, type Logger } from './logger';
import { createShutdownController } from './http/shutdown';
import { reportReady, serveFromPrimary, startWorkers } from './http/cluster';
import { createRateLimiters, serveWorkersRateLimitCounters } from './http/rate-limits';
import { startBackgroundWork } from './background';
import { startMailDelivery } from './mail/delivery';

const SHUTDOWN_GRACE_MS = 1000;
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

const drainMsFor = (signal: NodeJS.Signals, config: Config) => (signal === 'SIGTERM' ? config.shutdownDrainMs : 0);

async function primary(config: Config, logger: Logger): Promise<void> {
  const db = createDatabase(config, { logger, poolMax: 1 });
  const applied = await migrateToLatest(db.knex);
  if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
  await db.close();

  serveWorkersRateLimitCounters(config); // without Redis, the workers count in the primary
  const workers = await startWorkers({
    port: config.port,
    count: config.webConcurrency,
    semiSpaceMb: config.workerSemiSpaceMb,
    logger,
  });
  for (const signal of STOP_SIGNALS) process.on(signal, () => workers.stop(signal, drainMsFor(signal, config)));
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
  const server = http.createServer(app);
  shutdown.track(server);
  // Expired sessions, codes and tokens: every process has the timer, one at a time does the work.
  const background = startBackgroundWork(db, logger, undefined, {
    deletionsRetentionDays: config.deletionsRetentionDays,
  });
  // Every process sends queued mail; the outbox's claims make each message go once (src/mail).
  const mail = startMailDelivery(db, config, logger);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals | 'the primary', drainMs: number) => {
    if (stopping) return;
    stopping = true;
    shutdown.drain();
    if (drainMs > 0) {
      logger.info({ signal, drainMs }, 'shutting down: draining (not ready, still accepting)');
      await delay(drainMs);
    }
    logger.info({ signal }, 'shutting down: no longer accepting connections; finishing in-flight requests');
    await shutdown.shutdown(server, { graceMs: SHUTDOWN_GRACE_MS, timeoutMs: config.shutdownTimeoutMs });
    await background.stop();
    await mail.stop();
    await rateLimiters.close();
    await db.close();
    logger.info('stopped');
    process.exit(0);
  };
  const listening = () =>
    logger.info(
      {
        port: config.port,
        baseUrl: config.baseUrl,
        database: db.mode,
        worker: cluster.worker?.id,
        startupMs: Math.round(performance.now() - startedAt),
      },
      'SeatShare is listening',
    );

  if (cluster.isWorker) {
    // The primary deals the connections and says when to drain and stop; a signal sent to the
    // whole process group (Ctrl-C, systemd) reaches it too.
    const drain = () => {
      if (shutdown.isShuttingDown()) return;
      shutdown.drain();
      logger.info('shutting down: draining (not ready, still taking connections from the primary)');
    };
    serveFromPrimary(server, { drain, stop: () => void stop('the primary', 0) });
    for (const signal of STOP_SIGNALS) process.on(signal, () => logger.debug({ signal }, 'signal left to the primary'));
    reportReady();
    listening();
    return;
  }
  server.listen(config.port, listening);
  server.on('error', (error) => {
    logger.fatal({ err: error }, 'could not listen');
    void db.close().finally(() => process.exit(1));
  });
  for (const signal of STOP_SIGNALS) process.on(signal, () => void stop(signal, drainMsFor(signal, config)));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirInUseError) {
    process.stderr.write(`seatshare: ${error.message}\n`);
  } else {
    process.stderr.write(
      `seatshare: start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
