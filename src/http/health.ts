// Liveness and readiness for load balancers and orchestrators.
import { Router } from 'express';
import type { Knex } from 'knex';
import { errorBody } from '../errors';

const READY_TIMEOUT_MS = 2000;

export function healthRoutes(knex: Knex, isShuttingDown: () => boolean): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    if (isShuttingDown()) {
      res.status(503).json(errorBody(503, 'The server is shutting down.'));
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('database check timed out')), READY_TIMEOUT_MS);
      });
      await Promise.race([knex.raw('select 1'), timeout]);
      res.json({ status: 'ok', database: 'reachable' });
    } catch (error) {
      req.log.warn({ err: error }, 'readiness check failed');
      res.status(503).set('Retry-After', '5').json(errorBody(503, 'The database is unreachable.'));
    } finally {
      clearTimeout(timer);
    }
  });
  return router;
}
