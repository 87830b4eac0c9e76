// Builds the Express application from its dependencies; listening is server.ts's job, so
// tests drive the same app through supertest.
import express, { Router } from 'express';
import helmet from 'helmet';
import pinoHttp from 'pino-http';
import type { Config } from './config';
import type { Database } from './db';
import type { Logger } from './logger';
import { apiConventions } from './http/api-conventions';
import { apiRouteNotFound, errorHandler, pageNotFound } from './http/error-handler';
import { healthRoutes } from './http/health';
import { requestId } from './http/request-id';
import { createShutdownController, type ShutdownController } from './http/shutdown';

export interface AppDependencies {
  config: Config;
  db: Database;
  logger: Logger;
  shutdown?: ShutdownController;
}

export interface AppOptions {
  /** Extra routes mounted inside /api behind the API conventions (tests of the error model). */
  mountApiRoutes?: (api: Router) => void;
}

export function createApp({ config, db, logger, shutdown = createShutdownController() }: AppDependencies, options: AppOptions = {}) {
  const app = express();
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple'); // flat query strings: ?a[b]=c stays a plain string key
  app.disable('x-powered-by');

  app.use(
    pinoHttp({
      logger,
      genReqId: requestId,
      quietReqLogger: true,
      serializers: {
        req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  const production = config.env === 'production';
  app.use(
    helmet({
      // HSTS and upgrade-insecure-requests only where HTTPS is guaranteed (SPEC §4): on a
      // developer's http://localhost they would break the pages.
      strictTransportSecurity: production,
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: production ? [] : null } },
    }),
  );
  app.use(shutdown.closeConnections);

  app.use(healthRoutes(db.knex, shutdown.isShuttingDown));

  const api = Router();
  api.use(apiConventions);
  options.mountApiRoutes?.(api);
  api.use(apiRouteNotFound);
  app.use('/api', api);

  app.use(pageNotFound);
  app.use(errorHandler);
  return app;
}
