/**
 * What a client may hold at the connection level: a deadline for its request headers (node's headersTimeout:
 * 408 problem, services/kit/http/client-errors.ts), and a cap on open connections per source address. A
 * connection over the cap gets a 429 problem as soon as it opens and is closed after a short linger, so the
 * client reads an answer rather than a reset.
 *
 * Connections from a trusted proxy are not capped per address: they carry many clients, which the in-flight cap
 * counts one by one once their requests are read. The cap on all connections together (total-connections.ts)
 * counts them too.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { rawProblemAnswer } from '../kit/http/problem';
import type { ConcurrencyCap } from './client-caps';
import { addressKey, plainAddress, type ClientAddresses } from './client-address';
import { gatewayProblems } from './problem';

/** How long a refused connection may go on sending (read and dropped) before it is cut. */
const LINGER_MS = 2_000;

/**
 * Counts each new connection against its address's cap; answers one over the cap with a 429 problem at once.
 * Adds it to `refused`: node still parses what it sends, and the handler must not answer that again.
 */
export function capConnections(server: Server, cap: ConcurrencyCap, addresses: ClientAddresses, refused: WeakSet<Socket>): void {
  server.on('connection', (socket: Socket) => {
    // Already closed by the total cap: it holds nothing, and is owed no answer.
    if (socket.destroyed) return;
    const peer = plainAddress(socket.remoteAddress ?? '');
    if (addresses.isTrustedProxy(peer)) return;
    // Counted as the per-client limits count (an IPv6 peer by its /64), so that one host cannot multiply its cap.
    const key = addressKey(peer);
    if (cap.tryEnter(key)) {
      socket.once('close', () => cap.leave(key));
      return;
    }
    refused.add(socket);
    refuse(socket, cap.max);
  });
}

/** Whether capConnections will refuse the next connection from a peer (the total cap asks, to cut nobody's for it). */
export function refusesNext(cap: ConcurrencyCap, addresses: ClientAddresses): (peer: string) => boolean {
  return (peer) => !addresses.isTrustedProxy(peer) && cap.holding(addressKey(peer)) >= cap.max;
}

function refuse(socket: Socket, max: number): void {
  // Half-closed: the client reads the answer while node's parser reads and drops what it still sends.
  socket.end(rawProblemAnswer(gatewayProblems.tooManyConnections(max), '/', randomUUID()));
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
