/**
 * Requests that node:http itself refuses before any handler runs: bytes that are not HTTP, headers over the size
 * limit, a request that does not arrive in time. Node would answer them with a bare status line; here they get
 * the same problem+json, request id and security headers as every other error, and a lingering close, so the
 * client reads the answer instead of a connection reset.
 *
 * Two well-formed requests node:http would also answer itself with a bare status line: an HTTP/1.1 request
 * without Host (400) and an `Expect` other than `100-continue` (417). They get their problem too, with the
 * caller's request id, and the connection handling node gives them: closed after the 400, kept after the 417.
 * A CONNECT, which node would close unanswered, gets a 405 and a close.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ROUTES } from '../../contracts/routes';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { deferContinue } from './continue-when-read';
import { problemAnswerFields, problemBody, rawProblemAnswer } from './problem';
import { pickRequestId } from './request-id';

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

/** RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without Host (HTTP/1.0 has no such rule). */
const missingHost = () => AppError.badRequest('An HTTP/1.1 request must name its host in a Host header.');

/** RFC 9110 §10.1.1: the one expectation this server meets is 100-continue (node:http answers it itself). */
const expectationFailed = () =>
  new AppError(417, 'expectation-failed', { detail: 'The only expectation this server meets is Expect: 100-continue.' });

/**
 * The problem for a request node:http has parsed but would answer itself. A connection already closing (the
 * gateway answered it 429 when it opened) gets nothing more.
 */
function answerOutsideApp(req: IncomingMessage, res: ServerResponse, problem: AppError, logger: Logger, close: boolean): void {
  if (!req.socket.writable) return;
  const requestId = pickRequestId(req.headers['x-request-id']);
  const target = req.url ?? '/';
  const body = problemBody(problem, target.startsWith('/') && target.length <= 2048 ? target : '/', requestId);
  logger.info({ requestId, method: req.method, status: problem.status, code: problem.code }, 'refused a request before the app');
  res.writeHead(problem.status, { ...problemAnswerFields(problem, requestId, body), ...(close ? { connection: 'close' } : {}) }).end(body);
}

/** The methods of the platform's routes: what a CONNECT's 405 allows, as its target names no resource here. */
const TABLE_METHODS = [...new Set(ROUTES.map((route) => route.method))].join(', ');

/**
 * A CONNECT (a tunnel request, as to a forward proxy) is not a request node:http hands to the handler: without a
 * 'connect' listener it closes the socket with no answer, and the client saw a hang-up. No server here is a proxy:
 * 405 problem with Allow and the caller's request id, then close.
 */
function refuseConnect(server: Server, allow: string, logger: Logger): void {
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    // Already answered and closing (the gateway's 429 to a connection over its cap).
    if (!socket.writable) return;
    const problem = new AppError(405, 'method-not-allowed', { detail: `This resource supports ${allow}.`, headers: { Allow: allow } });
    const requestId = pickRequestId(req.headers['x-request-id']);
    logger.info({ requestId, method: req.method, status: problem.status, code: problem.code }, 'refused a request before the app');
    socket.end(rawProblemAnswer(problem, '/', requestId));
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}

const lacksHost = (req: IncomingMessage) => req.httpVersionMajor === 1 && req.httpVersionMinor === 1 && req.headers.host === undefined;

/**
 * node:http's createServer, with the answers node would give itself as problems (answerClientErrors). Node would
 * answer an HTTP/1.1 request without Host before anything else, Expect included; the same check is made here
 * instead, first on each path a request can take.
 */
export interface ProblemServerLimits {
  /** What a CONNECT's 405 gives as Allow. @default the methods of the platform's route table */
  readonly connectAllow?: string;
}

export function createProblemServer(options: ServerOptions, listener: RequestListener, logger: Logger, limits: ProblemServerLimits = {}): Server {
  const handler: RequestListener = (req, res) => {
    if (lacksHost(req)) answerOutsideApp(req, res, missingHost(), logger, true);
    else listener(req, res);
  };
  // An Express app's request and response prototypes stay readable on what node is given (express-server-classes.ts).
  const { request, response } = listener as Partial<Record<'request' | 'response', unknown>>;
  Object.assign(handler, { request, response });
  const server = createServer({ ...options, requireHostHeader: false }, handler);
  // With a listener of our own, node sends neither 100 Continue nor the request on: both are done here, after Host.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (lacksHost(req)) return answerOutsideApp(req, res, missingHost(), logger, true);
    // 100 Continue is left to whoever reads the body (continue-when-read.ts): a guarded route's 401 or 403 comes
    // first, and an anonymous client sends no body at all. The reader (a service's json-body.ts, the gateway's
    // request-body.ts) refuses a declared body over its limit unread, with no 100 Continue, where that length is the
    // body's; a compressed body's limit at a service is on its inflated bytes, so it is asked for.
    deferContinue(req);
    server.emit('request', req, res);
  });
  // Only HTTP/1.1 requests with an Expect other than 100-continue come here.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) =>
    lacksHost(req) ? answerOutsideApp(req, res, missingHost(), logger, true) : answerOutsideApp(req, res, expectationFailed(), logger, false),
  );
  answerClientErrors(server, logger);
  refuseConnect(server, limits.connectAllow ?? TABLE_METHODS, logger);
  return server;
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
