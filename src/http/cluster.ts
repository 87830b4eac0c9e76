// Workers (node:cluster) without node's own connection sharing: the primary holds the listening
// socket and deals each accepted connection to a ready worker in turn, over the IPC channel.
//
// Why not cluster's round-robin: its primary accepts connections into a queue and closes that
// queue — resetting connections it had accepted — when the last worker closes its server, and
// its listening socket cannot be closed before that. Shutting down without a failed request
// (SPEC §1) needs the opposite order: the primary stops accepting first (new connections are
// refused outright), hands on what it accepted, and only then do the workers finish and exit.
// A worker therefore leaves signals to the primary and acts on its messages: drain, stop.
import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from '../logger';

const KEY = 'seatshare';
type Command = 'ready' | 'connection' | 'drain' | 'stop';
type Message = { [KEY]: Command };

const message = (command: Command): Message => ({ [KEY]: command });
const commandOf = (value: unknown): Command | undefined =>
  typeof value === 'object' && value !== null && KEY in value ? (value as Message)[KEY] : undefined;

export interface Workers {
  /** SIGTERM/SIGINT: drain for `drainMs`, stop accepting, stop the workers, exit when all have. */
  stop(signal: NodeJS.Signals, drainMs: number): void;
}

/** The primary: listens, forks `count` workers, replaces one that dies, deals connections. */
/**
 * The workers' node flags: the primary's, and V8's young-generation semi-space. A request
 * allocates a lot that dies young (parsed rows, headers, log lines): with V8's default
 * semi-space (16 MB) scavenges were 7–16 % of a worker's CPU (bench:profile), and with 64 MB a
 * code exchange took 12 % less CPU (#18). A semi-space flag given explicitly (in the primary's
 * flags or NODE_OPTIONS, which workers inherit) wins; 0 leaves V8's default.
 */
export function workerExecArgv(execArgv: string[], nodeOptions: string | undefined, semiSpaceMb: number): string[] {
  const explicit = [...execArgv, nodeOptions ?? ''].some((arg) => arg.includes('semi-space-size'));
  return semiSpaceMb > 0 && !explicit ? [...execArgv, `--max-semi-space-size=${semiSpaceMb}`] : execArgv;
}

export async function startWorkers({
  port,
  count,
  semiSpaceMb,
  logger,
}: {
  port: number;
  count: number;
  /** V8's young-generation semi-space for each worker, MB (0: V8's default). */
  semiSpaceMb: number;
  logger: Logger;
}): Promise<Workers> {
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS, semiSpaceMb) });
  const ready: Worker[] = [];
  const waiting: net.Socket[] = []; // accepted before any worker was ready
  let turn = 0;
  let phase: 'serving' | 'draining' | 'stopping' = 'serving';

  const deal = (socket: net.Socket) => {
    const worker = ready[turn++ % ready.length];
    if (!worker) {
      waiting.push(socket);
      return;
    }
    if (!worker.isConnected()) {
      leave(worker);
      deal(socket);
      return;
    }
    worker.send(message('connection'), socket, (error: Error | null) => {
      if (error) logger.error({ err: error, worker: worker.id }, 'could not hand a connection to a worker');
    });
  };
  // pauseOnConnect: the primary never reads; the worker gets every byte the client sent.
  const listener = net.createServer({ pauseOnConnect: true }, (socket) => {
    socket.on('error', () => {}); // a reset while it waits here is the client's business
    deal(socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  logger.info({ port, workers: count }, 'accepting connections; starting the workers');

  function leave(worker: Worker) {
    const index = ready.indexOf(worker);
    if (index >= 0) ready.splice(index, 1);
  }
  cluster.on('message', (worker, value: unknown) => {
    if (commandOf(value) !== 'ready' || ready.includes(worker)) return;
    ready.push(worker);
    // A worker that came up during a shutdown joins it where it stands.
    if (phase === 'draining') worker.send(message('drain'));
    if (phase === 'stopping') worker.send(message('stop'));
    for (const socket of waiting.splice(0)) deal(socket);
  });
  cluster.on('disconnect', leave);
  const exitWhenAllStopped = () => {
    if (phase !== 'stopping' || Object.keys(cluster.workers ?? {}).length > 0) return;
    for (const socket of waiting) socket.destroy(); // no worker is left to answer them
    logger.info('stopped');
    process.exit(0);
  };
  cluster.on('exit', (worker, code, signal) => {
    leave(worker);
    if (phase !== 'stopping') {
      // A worker that dies is replaced (while draining too); the others keep serving meanwhile.
      logger.error({ pid: worker.process.pid, code, signal }, 'worker exited; starting another');
      cluster.fork();
    }
    exitWhenAllStopped();
  });
  for (let i = 0; i < count; i++) cluster.fork();

  const broadcast = (command: Command) => {
    for (const worker of Object.values(cluster.workers ?? {})) if (worker?.isConnected()) worker.send(message(command));
  };
  return {
    stop(signal, drainMs) {
      if (phase !== 'serving') return;
      phase = 'draining';
      logger.info({ signal, drainMs }, 'shutting down: draining (the workers answer /readyz 503; still accepting)');
      broadcast('drain');
      setTimeout(() => {
        // From here new connections are refused; those accepted so far are already on their
        // way to a worker (a command queues behind the connections sent before it).
        listener.close();
        phase = 'stopping';
        logger.info('stopped accepting connections; stopping the workers');
        broadcast('stop');
        exitWhenAllStopped();
      }, drainMs);
    },
  };
}

/** A worker: serves the connections the primary hands over and follows its commands. */
export function serveFromPrimary(server: Server, commands: { drain(): void; stop(): void }): void {
  // http.Server starts tracking its connections (headersTimeout/requestTimeout, idle sockets
  // for closeIdleConnections) on 'listening'; a worker's server never listens itself.
  server.emit('listening');
  process.on('message', (value: unknown, socket?: unknown) => {
    const command = commandOf(value);
    if (command === 'connection' && socket instanceof net.Socket) server.emit('connection', socket);
    else if (command === 'drain') commands.drain();
    else if (command === 'stop') commands.stop();
  });
}

/** A worker tells the primary it can take connections. */
export function reportReady(): void {
  process.send?.(message('ready'));
}
