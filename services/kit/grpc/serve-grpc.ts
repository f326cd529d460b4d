/**
 * An internal RPC server: Connect's router (gRPC, gRPC-Web and the Connect protocol) on a node:http2 server of
 * its own, in cleartext with prior knowledge (h2c), the way Service Connect's Envoy and Connect's Node clients
 * speak it. It sits beside a service's public HTTP server and is never routed by the edge.
 */
import { createServer, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../../contracts/shutdown';
import type { Logger } from '../logger';
import { answerByDeadline } from './answer-by-deadline';
import { capConnections, DEFAULT_GRPC_MAX_CONNECTIONS } from './connection-cap';
import { answerUnknownMethod, logCalls, logCallsBeforeInterceptors } from './log-calls';
import { checkQueryMessage, limitRequestTime, limitSendTime, limitSessionSendTime, refuseUnusableAuthority } from './request-checks';

export interface GrpcServeOptions {
  readonly port: number;
  readonly host?: string;
  readonly logger: Logger;
  /** Registers the services: `(router) => router.service(Foo, impl)`. */
  readonly routes: (router: ConnectRouter) => void;
  /** Largest request message; larger ones answer RESOURCE_EXHAUSTED unread. @default 65536 */
  readonly readMaxBytes?: number;
  /** Longest deadline a caller may ask for; beyond it INVALID_ARGUMENT. @default 30000 */
  readonly maxTimeoutMs?: number;
  /** A connection with no traffic this long is closed; a client opens a new one. @default 65000 */
  readonly idleTimeoutMs?: number;
  /** How long a call's request may take to arrive whole; then its stream is reset (CANCEL). @default 10000 */
  readonly requestTimeoutMs?: number;
  /** How long a complete answer may wait without progress for its caller to read it; then CANCEL (its connection's queue: destroyed). @default 10000 */
  readonly sendTimeoutMs?: number;
  /** Connections held at once; one past it is closed as soon as it is accepted (connection-cap.ts). @default 256 */
  readonly maxConnections?: number;
  /** How long in-flight calls may run once closing starts before their connections are cut. @default DEFAULT_SHUTDOWN_TIMEOUT_MS */
  readonly shutdownTimeoutMs?: number;
}

export interface RunningGrpcServer {
  readonly server: Http2Server;
  /** `http://host:port`, for Connect's transports (`baseUrl`). */
  readonly url: string;
  /** Stops accepting, lets calls in flight finish (GOAWAY), then cuts what is left at the timeout. Safe twice. */
  close(): Promise<void>;
}

/** Bounds on what one connection may cost: streams at once, header bytes, and memory nghttp2 may buffer. */
const SESSION_LIMITS = { maxSessionMemory: 8, settings: { maxConcurrentStreams: 128, maxHeaderListSize: 16 * 1024 } } as const;

/**
 * connect-es arms a timer for any deadline it parses, even one it then refuses as over `maxTimeoutMs`; past
 * 2^31 - 1 ms node warns (TimeoutOverflowWarning) and fires it at once. A deadline header beyond the limit is
 * rewritten to just over it, so the call is still refused (INVALID_ARGUMENT) without the warning a caller could
 * otherwise repeat at will.
 */
const GRPC_TIMEOUT_UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 1e-3, n: 1e-6 };

function capDeadline(req: Http2ServerRequest, maxTimeoutMs: number): void {
  const grpc = /^(\d{1,8})([HMSmun])$/.exec(String(req.headers['grpc-timeout'] ?? ''));
  if (grpc && Number(grpc[1]) * GRPC_TIMEOUT_UNIT_MS[grpc[2]!]! > maxTimeoutMs) req.headers['grpc-timeout'] = `${maxTimeoutMs + 1}m`;
  const connect = /^\d{1,10}$/.exec(String(req.headers['connect-timeout-ms'] ?? ''));
  if (connect && Number(connect[0]) > maxTimeoutMs) req.headers['connect-timeout-ms'] = String(maxTimeoutMs + 1);
}

export async function serveGrpc(options: GrpcServeOptions): Promise<RunningGrpcServer> {
  const shutdown = new AbortController();
  const maxTimeoutMs = options.maxTimeoutMs ?? 30_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const sendTimeoutMs = options.sendTimeoutMs ?? 10_000;
  const logBeforeInterceptors = logCallsBeforeInterceptors(options.logger);
  const connect = connectNodeAdapter({
    routes: options.routes,
    // Outermost first: the log line records the code the deadline produced.
    interceptors: [logCalls(options.logger), answerByDeadline],
    readMaxBytes: options.readMaxBytes ?? 64 * 1024,
    // No compressed requests (Billing sends none: a price list is small, on a private network). connect-node's
    // decompression answered INTERNAL to a truncated gzip or brotli body (only zlib's "bad data" is mapped to
    // INVALID_ARGUMENT); an encoding it does not accept is UNIMPLEMENTED, as the gRPC compression spec says.
    acceptCompression: [],
    maxTimeoutMs,
    shutdownSignal: shutdown.signal,
    requestGate: (context) => {
      // First, so a call the checks refuse has its line too.
      logBeforeInterceptors(context);
      checkQueryMessage(context);
    },
    fallback: answerUnknownMethod(options.logger),
  });
  const handler = (req: Http2ServerRequest, res: Http2ServerResponse) => {
    if (refuseUnusableAuthority(req, res)) return;
    capDeadline(req, maxTimeoutMs);
    limitRequestTime(req, res, requestTimeoutMs);
    limitSendTime(res, sendTimeoutMs);
    connect(req, res);
  };
  const server = createServer(SESSION_LIMITS, handler);
  capConnections(server, options.maxConnections ?? DEFAULT_GRPC_MAX_CONNECTIONS, options.logger);
  const sessions = new Set<ServerHttp2Session>();
  /** The raw sockets: a session destroyed while its peer reads nothing waits on its queued frames for ever. */
  const sockets = new Set<Socket>();
  /** The session node just made for a connection, until the 'connection' listener below pairs it with its socket. */
  let opened: ServerHttp2Session | undefined;
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    opened = session;
    // A peer that breaks the protocol gets its session destroyed by node; the error is its, not ours.
    session.on('error', (error) => options.logger.debug({ err: error }, 'grpc: session error'));
  });
  // node:http2 makes a connection's session, and emits 'session', before this listener runs for that connection: the
  // raw socket is needed, as the session's own stands for the session (its destroy waits on the stuck queue).
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (opened) limitSessionSendTime(opened, socket, sendTimeoutMs);
    opened = undefined;
  });
  // With no listener for 'timeout', node destroys the idle session.
  server.setTimeout(options.idleTimeoutMs ?? 65_000);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const session of sessions) session.close();
      const timer = setTimeout(() => {
        shutdown.abort();
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
      timer.unref();
    }));
  return { server, url: `http://${host}:${port}`, close };
}
