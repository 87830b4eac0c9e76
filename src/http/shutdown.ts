// Graceful shutdown without failed requests (SPEC §1). Node's http server.close() closes idle
// kept-alive sockets at once, and a client may be sending its next request on one of them at
// that moment: the request is reset. So once shutdown starts:
//  1. stop accepting connections, but leave open sockets alone;
//  2. answer every response — including those already in flight — with `Connection: close`,
//     so clients stop reusing their sockets and the server closes each after its response;
//  3. after a grace period, close the sockets that stayed idle all along;
//  4. after the timeout, close whatever is left.
import net from 'node:net';
import type { Server, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

export interface ShutdownController {
  isShuttingDown(): boolean;
  /** Middleware: tracks open responses and adds `Connection: close` once shutdown has started. */
  closeConnections: RequestHandler;
  /** Resolves when the server has stopped and every socket is closed. */
  shutdown(server: Server, options: { graceMs: number; timeoutMs: number }): Promise<void>;
}

export function createShutdownController(): ShutdownController {
  let shuttingDown = false;
  const openResponses = new Set<ServerResponse>();

  return {
    isShuttingDown: () => shuttingDown,
    closeConnections(_req, res, next) {
      if (shuttingDown) {
        res.setHeader('Connection', 'close');
      } else {
        openResponses.add(res);
        res.once('close', () => openResponses.delete(res));
      }
      next();
    },
    shutdown(server, { graceMs, timeoutMs }) {
      shuttingDown = true;
      for (const res of openResponses) {
        if (!res.headersSent) res.setHeader('Connection', 'close');
      }
      return new Promise((resolve) => {
        let sweep: NodeJS.Timeout | undefined;
        const grace = setTimeout(() => {
          server.closeIdleConnections();
          sweep = setInterval(() => server.closeIdleConnections(), 50);
        }, graceMs);
        const hardStop = setTimeout(() => server.closeAllConnections(), Math.max(timeoutMs, graceMs));
        // net.Server's close stops accepting without http.Server's immediate idle-socket sweep.
        net.Server.prototype.close.call(server, () => {
          clearTimeout(grace);
          clearTimeout(hardStop);
          clearInterval(sweep);
          resolve();
        });
      });
    },
  };
}
