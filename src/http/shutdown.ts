// Graceful shutdown without failed requests (SPEC §1). Node's plain server.close() leaves
// kept-alive sockets open and later resets requests a client already sent on them. So once
// shutdown starts: answer every response with `Connection: close`, stop accepting, give
// clients a short grace period to finish in-flight requests, then close idle sockets, and
// after the timeout close whatever is left.
import type { Server } from 'node:http';
import type { RequestHandler } from 'express';

export interface ShutdownController {
  isShuttingDown(): boolean;
  /** Middleware: adds `Connection: close` once shutdown has started. */
  closeConnections: RequestHandler;
  /** Resolves when the server has stopped and every socket is closed. */
  shutdown(server: Server, options: { graceMs: number; timeoutMs: number }): Promise<void>;
}

export function createShutdownController(): ShutdownController {
  let shuttingDown = false;
  return {
    isShuttingDown: () => shuttingDown,
    closeConnections(_req, res, next) {
      if (shuttingDown) res.setHeader('Connection', 'close');
      next();
    },
    shutdown(server, { graceMs, timeoutMs }) {
      shuttingDown = true;
      return new Promise((resolve) => {
        let sweep: NodeJS.Timeout | undefined;
        // Idle keep-alive sockets stay open during the grace period: a client may be sending
        // a request on one right now. After it, idle sockets are closed as they appear.
        const grace = setTimeout(() => {
          server.closeIdleConnections();
          sweep = setInterval(() => server.closeIdleConnections(), 100);
        }, graceMs);
        const hardStop = setTimeout(() => server.closeAllConnections(), Math.max(timeoutMs, graceMs));
        server.close(() => {
          clearTimeout(grace);
          clearTimeout(hardStop);
          clearInterval(sweep);
          resolve();
        });
      });
    },
  };
}
