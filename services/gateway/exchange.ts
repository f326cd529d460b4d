/**
 * One request/response pair as the gateway sees it, with the few answers it writes itself and its access log
 * line. Built once per request; nothing in it is recomputed later in the pipeline.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { AppError } from '../platform/errors';
import type { Logger } from '../platform/logger';
import { pickRequestId } from '../platform/http/request-id';
import type { ForwardInfo } from './headers';
import { gatewayProblems, writeProblem } from './problem';

export class Exchange {
  readonly started = performance.now();
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  /** Headers the gateway puts on every response: the request id, and CORS ones for an allowed origin. */
  readonly own: OutgoingHttpHeaders;
  routeKey: string | undefined;
  sub: string | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    cors: OutgoingHttpHeaders,
  ) {
    this.requestId = pickRequestId(req.headers['x-request-id']);
    this.method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    this.path = query === -1 ? url : url.slice(0, query);
    this.own = { ...cors, 'x-request-id': this.requestId };
  }

  get clientIp(): string {
    const address = this.req.socket.remoteAddress ?? '';
    return address.startsWith('::ffff:') ? address.slice(7) : address;
  }

  forwardInfo(): ForwardInfo {
    return {
      requestId: this.requestId,
      clientIp: this.clientIp,
      proto: (this.req.socket as TLSSocket).encrypted ? 'https' : 'http',
      host: this.req.headers.host,
    };
  }

  json(status: number, body: unknown): void {
    const text = JSON.stringify(body);
    this.send(status, text, 'application/json; charset=utf-8');
  }

  send(status: number, body: string | Buffer, contentType: string, extra: OutgoingHttpHeaders = {}): void {
    this.res
      .writeHead(status, { ...this.own, ...extra, 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
      .end(body);
  }

  empty(status: number, headers: OutgoingHttpHeaders): void {
    this.res.writeHead(status, { ...headers, 'x-request-id': this.requestId }).end();
  }

  /** The one error exit: AppErrors become their problem, anything else a 500 whose details stay in the log. */
  fail(error: unknown, logger: Logger): void {
    const problem = error instanceof AppError ? error : gatewayProblems.internal();
    if (problem.status >= 500) {
      // For an upstream failure the cause (ECONNREFUSED, a timeout, …) is what an operator needs to see.
      const err = problem === error && problem.cause !== undefined ? problem.cause : error;
      logger.error({ err, requestId: this.requestId, route: this.routeKey, status: problem.status }, 'request failed');
    }
    if (this.res.headersSent) {
      this.res.destroy();
      return;
    }
    writeProblem(this.res, problem, this.path, this.requestId, this.own);
  }

  /** The access log line: one per request, also for those the gateway answered itself. */
  log(logger: Logger): void {
    const ms = Math.round((performance.now() - this.started) * 10) / 10;
    const aborted = !this.res.writableFinished;
    logger.info(
      {
        requestId: this.requestId,
        method: this.method,
        path: this.path,
        route: this.routeKey ?? null,
        status: this.res.statusCode,
        ms,
        ...(this.sub ? { sub: this.sub } : {}),
        ...(aborted ? { aborted } : {}),
      },
      'request',
    );
  }
}
