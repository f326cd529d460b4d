/**
 * Requests that node:http itself refuses before any handler runs: bytes that are not HTTP, headers over the size
 * limit, a request that does not arrive in time. Node would answer them with a bare status line; here they get
 * the same problem+json, request id and security headers as every other error, and a lingering close, so the
 * client reads the answer instead of a connection reset.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { rawProblemAnswer } from './problem';

/** How long a refused connection may go on sending (read and dropped) before it is cut. */
const LINGER_MS = 2_000;

function problemFor(code: string | undefined): AppError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new AppError(431, 'headers-too-large', { detail: 'The request headers are larger than the server accepts.' });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AppError(408, 'request-timeout', { detail: 'The request did not arrive in time.' });
    default:
      return AppError.badRequest('The request is not valid HTTP/1.1.');
  }
}

/** `GET /path HTTP/1.1` → `/path`, when the start of what arrived says so plainly. */
function requestTarget(raw: unknown): string {
  if (!Buffer.isBuffer(raw)) return '/';
  const match = /^[A-Z]{1,16} (\/[\x21-\x7e]{0,2048}) HTTP\/1\.[01]\r?\n/.exec(raw.subarray(0, 2100).toString('latin1'));
  return match?.[1] ?? '/';
}

export function answerClientErrors(server: Server, logger: Logger): void {
  // The parser stays in error, so each chunk that still arrives reports again; one answer per connection.
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Duplex) => {
    if (answered.has(socket)) return;
    // Node's own rule: nothing may be written once an answer has started on this connection.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    // HPE_INVALID_EOF_STATE: the client closed its side in the middle of a request; nobody waits for an answer.
    if (error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_EOF_STATE' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    answered.add(socket);
    const problem = problemFor(error.code);
    logger.info({ code: error.code, status: problem.status }, 'refused a request that is not valid HTTP');
    socket.end(rawProblemAnswer(problem, requestTarget(error.rawPacket), randomUUID()));
    // Half-closed: the client can read the answer while whatever it still sends is read and dropped, until it
    // closes its side or the linger time is up.
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}
