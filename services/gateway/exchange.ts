/**
 * One request/response pair as the gateway sees it, with the few answers it writes itself and its access log
 * line. Built once per request; nothing in it is recomputed later in the pipeline.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { AppError } from '../kit/errors';
import type { Logger } from '../kit/logger';
import { pickRequestId } from '../kit/http/request-id';
import { closesConnection, drainUnread, lingerAfterAnswer } from './after-answer';
import { addressKey } from './client-address';
import type { ForwardInfo } from './headers';
import { gatewayProblems, SECURITY_HEADERS, writeProblem } from './problem';

export class Exchange {
  readonly started = performance.now();
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  /** Headers the gateway puts on every response: the request id, and CORS ones for an allowed origin. */
  readonly own: OutgoingHttpHeaders;
  /** What the caller's limits are counted on: its address, or its IPv6 address's /64 (client-address.ts). */
  readonly clientKey: string;
  routeKey: string | undefined;
  sub: string | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    cors: OutgoingHttpHeaders,
    /** The caller's address: the socket's peer, or what a trusted proxy said it saw (client-address.ts). */
    readonly clientIp: string,
  ) {
    this.requestId = pickRequestId(req.headers['x-request-id']);
    this.method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    this.path = query === -1 ? url : url.slice(0, query);
    this.own = { ...cors, 'x-request-id': this.requestId };
    this.clientKey = addressKey(clientIp);
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
    const headers = { ...SECURITY_HEADERS, ...this.own, ...extra, 'content-type': contentType, 'content-length': Buffer.byteLength(body) };
    this.res.writeHead(status, headers).end(body);
    this.drainUnreadBody();
  }

  empty(status: number, headers: OutgoingHttpHeaders): void {
    this.res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'x-request-id': this.requestId }).end();
    this.drainUnreadBody();
  }

  /** The client went away (closed its connection, or stopped sending the body): nobody is left to answer. */
  get clientGone(): boolean {
    const socket = this.req.socket as Socket | null;
    return this.res.destroyed || !socket || socket.destroyed || (this.req.destroyed && !this.req.complete);
  }

  /** The one error exit: AppErrors become their problem, anything else a 500 whose details stay in the log. */
  fail(error: unknown, logger: Logger): void {
    const problem = error instanceof AppError ? error : gatewayProblems.internal();
    if (this.clientGone) {
      // Whatever failed, it failed because the client left (an upload cut short): not an error of ours.
      logger.info({ requestId: this.requestId, route: this.routeKey }, 'client went away before the answer');
      this.res.destroy();
      return;
    }
    if (problem.status >= 500) {
      // For an upstream failure the cause (ECONNREFUSED, a timeout, …) is what an operator needs to see.
      const err = problem === error && problem.cause !== undefined ? problem.cause : error;
      logger.error({ err, requestId: this.requestId, route: this.routeKey, status: problem.status }, 'request failed');
    }
    if (this.res.headersSent) {
      this.res.destroy();
      return;
    }
    const closing = closesConnection(problem.headers);
    if (closing) lingerAfterAnswer(this.req, this.res);
    writeProblem(this.res, problem, this.path, this.requestId, this.own);
    if (!closing) this.drainUnreadBody();
  }

  /** After an answer given before the request body was read: the rest is drained (after-answer.ts). */
  drainUnreadBody(): void {
    drainUnread(this.req);
  }

  /** The access log line: one per request, also for those the gateway answered itself. */
  log(logger: Logger): void {
    const ms = Math.round((performance.now() - this.started) * 10) / 10;
    // Not `writableFinished`: an answer the gateway wrote itself is still being flushed when this line is written.
    const aborted = !this.res.writableEnded;
    logger.info(
      {
        requestId: this.requestId,
        method: this.method,
        path: this.path,
        route: this.routeKey ?? null,
        // Nothing sent (the client left first): no status, rather than node's default 200, which read as a success.
        status: this.res.headersSent ? this.res.statusCode : null,
        ms,
        ...(this.sub ? { sub: this.sub } : {}),
        ...(aborted ? { aborted } : {}),
      },
      'request',
    );
  }
}
