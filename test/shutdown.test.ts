// Graceful shutdown (SPEC §1): in-flight requests finish, kept-alive clients are told to go
// (`Connection: close`) instead of being reset, and nothing fails under load.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import request from 'supertest';
import { resource } from '../src/http/routes';
import { createApp } from '../src/app';
import { createShutdownController } from '../src/http/shutdown';
import { useTestDatabase } from './helpers/db';
import { testEndpoint, testApp, testConfig } from './helpers/app';
import pino from 'pino';

const db = useTestDatabase();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startServer({ listen = true } = {}) {
  const shutdown = createShutdownController();
  const app = createApp(
    { config: testConfig(), db: db.db, logger: pino({ level: 'silent' }), shutdown },
    {
      mountApiRoutes: (api) =>
        resource(api, '/v1/slow', {
          get: testEndpoint(async (req, res) => {
            await sleep(Number(req.query.ms ?? 300));
            res.json({ done: true });
          }),
        }),
    },
  );
  const server = listen ? app.listen(0) : http.createServer(app);
  const port = () => (server.address() as AddressInfo).port;
  return { shutdown, server, port };
}

function get(
  port: number,
  path: string,
  agent: http.Agent,
): Promise<{ status: number; connection?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
    });
    req.on('error', reject);
  });
}

describe('graceful shutdown', () => {
  it('finishes an in-flight request, answering it with Connection: close, then stops', async () => {
    const { shutdown, server, port } = startServer();
    await new Promise((resolve) => server.once('listening', resolve));
    const agent = new http.Agent({ keepAlive: true });
    const p = port();
    await get(p, '/api/v1/slow?ms=1', agent); // a kept-alive socket now exists

    const inFlight = get(p, '/api/v1/slow?ms=400', agent);
    await sleep(50);
    const stopped = shutdown.shutdown(server, { graceMs: 200, timeoutMs: 5000 });

    expect(await inFlight).toEqual({ status: 200, connection: 'close', body: '{"done":true}' });
    await stopped;
    await expect(get(p, '/healthz', new http.Agent())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    agent.destroy();
  });

  it('keeps accepting while draining: a fresh connection is answered with Connection: close, /readyz is 503', async () => {
    const { shutdown, server, port } = startServer();
    await new Promise((resolve) => server.once('listening', resolve));
    const p = port();
    shutdown.drain();
    expect(await get(p, '/api/v1/slow?ms=1', new http.Agent())).toEqual({
      status: 200,
      connection: 'close',
      body: '{"done":true}',
    });
    expect(await get(p, '/readyz', new http.Agent())).toMatchObject({ status: 503, connection: 'close' });
    await shutdown.shutdown(server, { graceMs: 0, timeoutMs: 1000 });
    await expect(get(p, '/healthz', new http.Agent())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('waits for a connection handed over by the primary (a worker never listens itself)', async () => {
    const { shutdown, server } = startServer({ listen: false });
    shutdown.track(server);
    // The primary's part: accept, and pass the socket to the worker's server.
    const primary = net.createServer((socket) => server.emit('connection', socket));
    await new Promise<void>((resolve) => primary.listen(0, '127.0.0.1', resolve));
    const inFlight = get((primary.address() as AddressInfo).port, '/api/v1/slow?ms=300', new http.Agent());
    const order: string[] = [];
    await new Promise<void>((resolve) =>
      server.once('request', (_req, res: http.ServerResponse) => {
        res.once('finish', () => order.push('answered'));
        resolve();
      }),
    );
    primary.close();
    await shutdown.shutdown(server, { graceMs: 5000, timeoutMs: 5000 }).then(() => order.push('stopped'));
    expect(order).toEqual(['answered', 'stopped']);
    expect(await inFlight).toEqual({ status: 200, connection: 'close', body: '{"done":true}' });
  });

  it('closes a handed-over connection that stays idle once the grace period is over', async () => {
    const { shutdown, server } = startServer({ listen: false });
    shutdown.track(server);
    server.emit('listening'); // as serveFromPrimary does: http.Server tracks idle sockets from then on
    server.keepAliveTimeout = 600_000; // so that its own keep-alive timeout does not close the socket either
    const primary = net.createServer((socket) => server.emit('connection', socket));
    await new Promise<void>((resolve) => primary.listen(0, '127.0.0.1', resolve));
    const agent = new http.Agent({ keepAlive: true });
    await get((primary.address() as AddressInfo).port, '/api/v1/slow?ms=1', agent); // then idle
    const [idle] = Object.values(agent.sockets).flat().concat(Object.values(agent.freeSockets).flat());
    const closed = new Promise((resolve) => idle!.once('close', resolve));
    primary.close();
    // Only the idle sweep can end this shutdown: the hard stop is far beyond the test's timeout.
    await shutdown.shutdown(server, { graceMs: 100, timeoutMs: 600_000 });
    await closed;
    agent.destroy();
  });

  it('reports not ready once shutdown has started', async () => {
    const shutdown = createShutdownController();
    const app = createApp({ config: testConfig(), db: db.db, logger: pino({ level: 'silent' }), shutdown });
    await request(app).get('/readyz').expect(200);
    const server = http.createServer();
    const stopping = shutdown.shutdown(server, { graceMs: 0, timeoutMs: 0 });
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body).toMatchObject({ code: 503, error: 'Service Unavailable' });
    await stopping;
  });

  it('fails no request under load: clients see answers, then a refused connection', async () => {
    const { shutdown, server, port } = startServer();
    await new Promise((resolve) => server.once('listening', resolve));
    const p = port();
    const outcomes = { ok: 0, refused: 0, failed: [] as string[] };
    let running = true;
    const client = async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      while (running) {
        try {
          const res = await get(p, '/api/v1/slow?ms=20', agent);
          if (res.status === 200) outcomes.ok += 1;
          else outcomes.failed.push(`status ${res.status}`);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
          if (code === 'ECONNREFUSED') {
            outcomes.refused += 1;
            break; // the instance is gone; a load balancer would send the client elsewhere
          }
          outcomes.failed.push(code);
        }
      }
      agent.destroy();
    };
    const clients = Array.from({ length: 16 }, client);
    await sleep(300);
    await shutdown.shutdown(server, { graceMs: 300, timeoutMs: 5000 });
    running = false;
    await Promise.all(clients);
    expect(outcomes.failed).toEqual([]);
    expect(outcomes.ok).toBeGreaterThan(16);
  });
});

describe('the test app helper', () => {
  it('serves the real stack', async () => {
    await request(testApp(db.db)).get('/healthz').expect(200);
  });
});
