import type { RequestListener, Server, ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../../contracts/shutdown';
import type { Logger } from '../logger';
import { createProblemServer, type ProblemServerLimits } from './client-errors';
import { serverOptionsFor } from './express-server-classes';
import type { PreStop } from './pre-stop';

export interface ServeOptions {
  readonly port: number;
  readonly host?: string;
  readonly logger: Logger;
  /** Run after the server has drained, in order: close pools, stop consumers. */
  readonly onClose?: ReadonlyArray<() => Promise<void>>;
  /** How long in-flight requests may take to finish before their sockets are cut. @default DEFAULT_SHUTDOWN_TIMEOUT_MS */
  readonly shutdownTimeoutMs?: number;
  /** node:http options of the listener's own (the gateway's deadlines). @default SERVICE_DEADLINES */
  readonly serverOptions?: ServerOptions;
  /** The body limit and the CONNECT answer of the server's own (the gateway's). @default the services' */
  readonly limits?: ProblemServerLimits;
}

export interface RequestDeadlines {
  /** From a connection's first byte to the end of its request headers. */
  readonly headersTimeoutMs: number;
  /** The request body's own deadline; node's requestTimeout is set past both as a backstop. */
  readonly bodyTimeoutMs: number;
}

/**
 * How often to sweep the connections for a deadline of `deadlineMs`: a quarter of it, between 50 ms and 1 s, so a
 * short deadline (a test's) is kept closely and a long one costs one sweep a second.
 */
export function checkingIntervalFor(deadlineMs: number): number {
  return Math.max(50, Math.min(1_000, Math.floor(deadlineMs / 4)));
}

/** node:http options for these deadlines; node checks them every `connectionsCheckingInterval`, so that is kept short. */
export function deadlineOptions(deadlines: RequestDeadlines): ServerOptions {
  return {
    headersTimeout: deadlines.headersTimeoutMs,
    requestTimeout: deadlines.headersTimeoutMs + deadlines.bodyTimeoutMs + 5_000,
    connectionsCheckingInterval: checkingIntervalFor(deadlines.headersTimeoutMs),
  };
}

/**
 * A service's deadlines, the gateway's defaults: headers within 10 s, the body within 30 s more. Node's own (60 s,
 * 300 s) let a slow client hold a connection for minutes on a port that is reachable directly offline.
 */
export const SERVICE_DEADLINES: ServerOptions = deadlineOptions({ headersTimeoutMs: 10_000, bodyTimeoutMs: 30_000 });

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  /** Stops accepting, drains in-flight requests, then runs `onClose`. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Listens with any request listener: an Express app, or the gateway's bare handler. An Express app's requests
 * and responses are created with its own prototypes on Node 22, where that halves its CPU per request, and with
 * node's own classes from Node 24 on, where those are faster (express-server-classes.ts).
 */
export async function serve(listener: RequestListener, options: ServeOptions): Promise<RunningServer> {
  const server = createProblemServer(
    { ...serverOptionsFor(listener), ...(options.serverOptions ?? SERVICE_DEADLINES) },
    listener,
    options.logger,
    options.limits,
  );
  // Longer than a load balancer's idle timeout (ALB: 60 s), so the balancer, not us, closes idle connections.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= drain(server, options));
  return { server, url: `http://${host}:${port}`, close };
}

async function drain(server: Server, options: ServeOptions): Promise<void> {
  const timeout = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections turn idle as their last response ends; close each then, not at the hard timeout.
  const sweeper = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  const timer = setTimeout(() => {
    options.logger.warn({ timeoutMs: timeout }, 'in-flight requests did not finish in time; closing their sockets');
    server.closeAllConnections();
  }, timeout);
  await closed;
  clearTimeout(timer);
  clearInterval(sweeper);
  for (const step of options.onClose ?? []) await step();
}

/**
 * Runs `close` on the first SIGTERM or SIGINT, then exits; a second signal exits at once. A process started
 * with an IPC channel (by `npm start`) also shuts down when that channel closes: its parent is gone. With a
 * pre-stop delay (pre-stop.ts), a SIGTERM first waits it out; SIGINT (a person at a terminal) and a launcher gone
 * have no load balancer to wait for and close at once.
 */
export function closeOnSignals(close: () => Promise<void>, logger: Logger, preStop?: PreStop): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    const delayed = signal === 'SIGTERM' && preStop !== undefined && preStop.delaySeconds > 0;
    (delayed ? preStop.wait(signal) : Promise.resolve())
      .then(() => {
        logger.info({ signal }, 'shutting down: draining in-flight requests');
        return close();
      })
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  if (process.send) process.once('disconnect', () => onSignal('SIGHUP'));
}
