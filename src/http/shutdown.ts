// Graceful shutdown without failed requests (SPEC §1), in two phases.
//
// Draining (from the signal on): `/readyz` answers 503 so load balancers stop sending, and every
// response — in flight or new — carries `Connection: close`, so clients stop reusing their
// sockets; connections are still accepted and served. A load balancer keeps opening connections
// until it has seen the 503 (its health-check interval × threshold), and every one of them must
// be answered: closing the listener at the signal resets the connections waiting in the
// kernel's accept queue (measured: ~7 per SIGTERM at 8 clients, and with node:cluster every
// connection the primary had accepted but not yet handed to a worker).
//
// Stopping (after the drain period):
//  1. stop accepting (net.Server's close, *not* http.Server's: in Node 20 that closes idle
//     kept-alive sockets at once, and a client may be sending its next request on one of them);
//  2. let open connections finish; after a grace period close the sockets that stayed idle;
//  3. after the timeout, close whatever is left.
import net from 'node:net';
import type { Server, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

export interface ShutdownController {
  isShuttingDown(): boolean;
  /** Middleware: tracks open responses and adds `Connection: close` once draining has started. */
  closeConnections: RequestHandler;
  /**
   * Counts the server's connections from the moment they open. A listening server counts its
   * own; connections handed over by the cluster's primary (src/http/cluster.ts) are counted
   * only through this.
   */
  track(server: Server): void;
  /** Starts draining: not ready, `Connection: close` everywhere; still accepting. */
  drain(): void;
  /** Drains if not yet, stops accepting, and resolves when every connection is closed. */
  shutdown(server: Server, options: { graceMs: number; timeoutMs: number }): Promise<void>;
}

export function createShutdownController(): ShutdownController {
  let shuttingDown = false;
  const openResponses = new Set<ServerResponse>();
  const openSockets = new Set<net.Socket>();
  const whenNoSockets = new Set<() => void>();

  const drain = () => {
    shuttingDown = true;
    for (const res of openResponses) {
      if (!res.headersSent) res.setHeader('Connection', 'close');
    }
  };

  const allSocketsClosed = () =>
    new Promise<void>((resolve) => {
      if (openSockets.size === 0) return resolve();
      whenNoSockets.add(resolve);
    });

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
    track(server) {
      server.on('connection', (socket: net.Socket) => {
        openSockets.add(socket);
        socket.once('close', () => {
          openSockets.delete(socket);
          if (openSockets.size > 0) return;
          for (const resolve of whenNoSockets) resolve();
          whenNoSockets.clear();
        });
      });
    },
    drain,
    async shutdown(server, { graceMs, timeoutMs }) {
      drain();
      let sweep: NodeJS.Timeout | undefined;
      const grace = setTimeout(() => {
        server.closeIdleConnections();
        sweep = setInterval(() => server.closeIdleConnections(), 50);
      }, graceMs);
      const hardStop = setTimeout(() => server.closeAllConnections(), Math.max(timeoutMs, graceMs));
      try {
        // net.Server's close calls back once its own accepted connections have all closed.
        if (server.listening)
          await new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
        await allSocketsClosed();
      } finally {
        clearTimeout(grace);
        clearTimeout(hardStop);
        clearInterval(sweep);
      }
    },
  };
}
