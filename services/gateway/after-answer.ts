/**
 * What becomes of a request's unread body once the gateway has answered (413, 401, 404, …, or a service's answer
 * given before it read the whole body): drained so the connection can serve the next request, or, past what is
 * worth reading, the connection closed.
 *
 * Closing lingers (RFC 9112 §9.6): node:http destroys the socket of a `Connection: close` answer as soon as the
 * answer is written (socket.destroySoon()), and bytes that arrive after that make the kernel reset the connection;
 * a client still writing (curl, a raw socket) then reports EPIPE or ECONNRESET instead of the answer. Here the
 * gateway sends its FIN, drops whatever still comes, and destroys the socket when the client closes its side or
 * LINGER_MS is up, as the kit does for the answers node:http gives itself (services/kit/http/client-errors.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { EDGE_PAYLOAD_LIMIT_BYTES } from './gateway-options';

/**
 * How long a client may go on sending a body the gateway has already answered (read and dropped) before its
 * connection is cut. Cutting at once would reset the connection under a client still writing, which then sees
 * EPIPE or ECONNRESET instead of the answer (a lingering close, RFC 9112 §9.6).
 */
export const DRAIN_AFTER_ANSWER_MS = 5_000;

/** How long a closing connection may go on sending (read and dropped) before it is cut. */
export const LINGER_MS = 2_000;

const discard = () => {};
const draining = new WeakSet<IncomingMessage>();

/**
 * The rest of the body is read and dropped. Left paused, it would hold the client's keep-alive connection forever.
 * A client still sending after DRAIN_AFTER_ANSWER_MS is cut; one that sends more than API Gateway's payload limit
 * has its connection closed: no body that large is worth reading, even to drop it.
 */
export function drainUnread(req: IncomingMessage): void {
  const socket = req.socket as Socket | null;
  if (req.complete || req.destroyed || !socket || draining.has(req)) return;
  draining.add(req);
  let drained = 0;
  const count = (chunk: Buffer) => {
    drained += chunk.length;
    if (drained <= EDGE_PAYLOAD_LIMIT_BYTES) return;
    req.off('data', count);
    closeLingering(req, socket);
  };
  // A 'data' listener, not resume() alone: after an async iterator let go of the request (the upstream body),
  // the stream's own bookkeeping can leave it paused until something listens for data.
  req.on('data', count);
  req.resume();
  const cut = setTimeout(() => socket.destroy(), DRAIN_AFTER_ANSWER_MS).unref();
  req.once('end', () => clearTimeout(cut));
  req.once('close', () => clearTimeout(cut));
}

/** Whether a problem's headers ask for the connection to close (`Connection: close`). */
export const closesConnection = (headers: Readonly<Record<string, string>>): boolean =>
  Object.entries(headers).some(([name, value]) => name.toLowerCase() === 'connection' && value.toLowerCase() === 'close');

/** Call before a `Connection: close` answer is written: once it is out, the connection closes lingering. */
export function lingerAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket as Socket | null;
  if (!socket || socket.destroyed || res.headersSent) return;
  socket.destroySoon = () => closeLingering(req, socket);
}

/** Sends the FIN now; what the client still sends is read and dropped until it closes or LINGER_MS is up. */
function closeLingering(req: IncomingMessage, socket: Socket): void {
  socket.end();
  // A request paused at a limit would leave the rest unread, and its arrival would reset the connection.
  req.on('data', discard);
  req.resume();
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
