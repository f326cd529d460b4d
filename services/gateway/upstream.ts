/**
 * The integrations: one undici Pool of keep-alive connections per service, and the proxying itself. The request
 * body arrives here already read whole (request-body.ts), so a connection is taken only when the request can be
 * sent at once; the response streams straight from the service's socket into the client's (undici `stream()`).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Pool } from 'undici';
import type { ServiceName } from '../contracts/services';
import type { AppError } from '../kit/errors';
import { clientHeaders } from './headers';
import { gatewayProblems } from './problem';

export type UpstreamUrls = Readonly<Record<ServiceName, string>>;

export interface UpstreamOptions {
  readonly urls: UpstreamUrls;
  /** API Gateway's integration timeout: for the response headers, then between body chunks. */
  readonly timeoutMs: number;
  /** Connections per service. @default 128 */
  readonly connections?: number;
}

export interface ForwardRequest {
  readonly service: ServiceName;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly headers: string[];
  /** The whole request body, or `null` for none. */
  readonly body: Buffer | null;
  /** Headers the gateway sets on the response (request id, CORS). */
  readonly own: OutgoingHttpHeaders;
  readonly ownsCors: boolean;
}

interface Target {
  readonly pool: Pool;
  /** A base URL's path (`http://host/base`) is kept in front of the request path. */
  readonly basePath: string;
}

/**
 * Before anything was sent: the response closed (Node 24), or the connection is gone (Node 22 leaves the responses
 * of pipelined requests open; connection-gone.ts closes them a tick later). Not `req.destroyed`: Node 22 destroys a
 * request once its body is read whole. A client whose hang-up has not closed the socket yet is caught by the
 * 'close' listener that follows.
 */
function clientLeft(req: IncomingMessage, res: ServerResponse): boolean {
  return res.destroyed || req.socket.destroyed;
}

export class Upstreams {
  private readonly targets: Map<ServiceName, Target>;

  constructor(private readonly options: UpstreamOptions) {
    this.targets = new Map();
    for (const [service, url] of Object.entries(options.urls) as [ServiceName, string][]) {
      const parsed = new URL(url);
      const pool = new Pool(parsed.origin, { connections: options.connections ?? 128 });
      this.targets.set(service, { pool, basePath: parsed.pathname.replace(/\/+$/, '') });
    }
  }

  /**
   * Resolves with the service's status once the response is sent (`undefined` when the client left first);
   * rejects with an AppError only while nothing has been sent yet.
   */
  async forward(request: ForwardRequest): Promise<number | undefined> {
    const { service, req, res } = request;
    const target = this.targets.get(service);
    if (!target) throw gatewayProblems.unavailable(service);
    // A client that left while its token was checked or its body read: its 'close' has come and gone, so the
    // listener below would never fire and the request would go out whole, for a service to act on unread.
    if (clientLeft(req, res)) return undefined;
    // A client that leaves before the service answers must not hold an upstream connection until the timeout.
    // undici takes any EventEmitter that emits 'abort' as a signal: the response itself serves, which is far
    // cheaper per request than an AbortController (about 5% of the gateway's CPU in a profile).
    res.once('close', () => res.writableFinished || res.emit('abort'));
    let status: number | undefined;
    try {
      await target.pool.stream(
        {
          path: target.basePath + (req.url ?? '/'),
          method: req.method as 'GET',
          headers: request.headers,
          body: request.body,
          headersTimeout: this.options.timeoutMs,
          bodyTimeout: this.options.timeoutMs,
          signal: res,
        },
        ({ statusCode, headers }) => {
          status = statusCode;
          res.writeHead(statusCode, clientHeaders(headers, request.own, request.ownsCors));
          return res;
        },
      );
    } catch (error) {
      if (res.headersSent || res.destroyed) return status;
      throw this.toProblem(error, service);
    }
    return status;
  }

  async close(): Promise<void> {
    await Promise.all([...this.targets.values()].map((target) => target.pool.close()));
  }

  private toProblem(error: unknown, service: ServiceName): AppError {
    const code = (error as { code?: unknown }).code;
    switch (code) {
      case 'UND_ERR_HEADERS_TIMEOUT':
      case 'UND_ERR_BODY_TIMEOUT':
        return gatewayProblems.timeout(service, this.options.timeoutMs, error);
      case 'ECONNREFUSED':
      case 'ENOTFOUND':
      case 'EHOSTUNREACH':
      case 'EAI_AGAIN':
      case 'UND_ERR_CONNECT_TIMEOUT':
      case 'UND_ERR_CLOSED':
      case 'UND_ERR_DESTROYED':
        return gatewayProblems.unavailable(service, error);
      default:
        return gatewayProblems.badGateway(service, error);
    }
  }
}
