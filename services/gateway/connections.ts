/**
 * What a client may hold at the connection level: a deadline for its request headers (node's headersTimeout:
 * 408 problem, services/kit/http/client-errors.ts), and a cap on open connections per source address. A
 * connection over the cap gets a 429 problem as soon as it opens and is closed after a short linger, so the
 * client reads an answer rather than a reset.
 *
 * Connections from a trusted proxy are not capped: they carry many clients, which the in-flight cap counts
 * one by one once their requests are read.
 */
import { randomUUID } from 'node:crypto';
import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../kit/http/problem';
import type { ConcurrencyCap } from './client-caps';
import { plainAddress, type ClientAddresses } from './client-address';
import { gatewayProblems, SECURITY_HEADERS } from './problem';

/** How long a refused connection may go on sending (read and dropped) before it is cut. */
const LINGER_MS = 2_000;

export interface ConnectionLimits {
  /** From a connection's first byte to the end of its request headers. */
  readonly headersTimeoutMs: number;
  /** The request body's own deadline (request-body.ts); node's requestTimeout is set past both as a backstop. */
  readonly bodyTimeoutMs: number;
}

/** node:http options for these deadlines; node checks them every `connectionsCheckingInterval`, so that is kept short. */
export function serverOptions(limits: ConnectionLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs + 5_000,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/**
 * Counts each new connection against its address's cap; answers one over the cap with a 429 problem at once.
 * Adds it to `refused`: node still parses what it sends, and the handler must not answer that again.
 */
export function capConnections(server: Server, cap: ConcurrencyCap, addresses: ClientAddresses, refused: WeakSet<Socket>): void {
  server.on('connection', (socket: Socket) => {
    const peer = plainAddress(socket.remoteAddress ?? '');
    if (addresses.isTrustedProxy(peer)) return;
    if (cap.tryEnter(peer)) {
      socket.once('close', () => cap.leave(peer));
      return;
    }
    refused.add(socket);
    refuse(socket, cap.max);
  });
}

function refuse(socket: Socket, max: number): void {
  const problem = gatewayProblems.tooManyConnections(max);
  const requestId = randomUUID();
  const body = problemBody(problem, '/', requestId);
  const fields: Record<string, string | number> = {
    ...(SECURITY_HEADERS as Record<string, string>),
    ...(problem.headers as Record<string, string>),
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-request-id': requestId,
    connection: 'close',
  };
  const head = Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  // Half-closed: the client reads the answer while node's parser reads and drops what it still sends.
  socket.end(`HTTP/1.1 429 Too Many Requests\r\n${head}\r\n${body}`);
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
