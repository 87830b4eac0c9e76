// The application as tests drive it: the real middleware stack over the file's test database.
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import pino from 'pino';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import type { Database } from '../../src/db';
import type { Logger } from '../../src/logger';
import { endpoint, type Endpoint } from '../../src/http/routes';

export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ NODE_ENV: 'test', BASE_URL: 'http://seatshare.test', ...overrides });
}

export interface TestAppOptions {
  config?: Config;
  logger?: Logger;
  mountApiRoutes?: (api: Router) => void;
}

export function testApp(db: Database, options: TestAppOptions = {}) {
  return createApp(
    { config: options.config ?? testConfig(), db, logger: options.logger ?? pino({ level: 'silent' }) },
    { mountApiRoutes: options.mountApiRoutes },
  );
}

/** A logger whose lines tests can read. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

/** A route handler for test-only routes, as an endpoint that accepts any query and body. */
export function testEndpoint(handle: (req: Request, res: Response) => unknown): Endpoint {
  return endpoint({ summary: 'A test route', query: z.unknown(), body: z.unknown(), responses: {} }, (req, res) =>
    handle(req, res),
  );
}
