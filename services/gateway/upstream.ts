/**
 * The integrations: one undici Pool of keep-alive connections per service, and the proxying itself. The
 * response streams straight from the service's socket into the client's (undici `stream()`), with no buffering.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
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
  readonly maxBodyBytes: number;
  /** Connections per service. @default 128 */
  readonly connections?: number;
}

export interface ForwardRequest {
  readonly service: ServiceName;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly headers: string[];
  /** Headers the gateway sets on the response (request id, CORS). */
  readonly own: OutgoingHttpHeaders;
  readonly ownsCors: boolean;
}

/** Marks a body that grew past the limit while streaming (no Content-Length to refuse it up front). */
class BodyTooLarge extends Error {}

interface Target {
  readonly pool: Pool;
  /** A base URL's path (`http://host/base`) is kept in front of the request path. */
  readonly basePath: string;
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

  /** Resolves once the response is sent; rejects with an AppError only while nothing has been sent yet. */
  async forward(request: ForwardRequest): Promise<void> {
    const { service, req, res } = request;
    const target = this.targets.get(service);
    if (!target) throw gatewayProblems.unavailable(service);
    const body = requestBody(req, this.options.maxBodyBytes);
    // A client that leaves before the service answers must not hold an upstream connection until the timeout.
    // undici takes any EventEmitter that emits 'abort' as a signal: the response itself serves, which is far
    // cheaper per request than an AbortController (about 5% of the gateway's CPU in a profile).
    res.once('close', () => res.writableFinished || res.emit('abort'));
    try {
      await target.pool.stream(
        {
          path: target.basePath + (req.url ?? '/'),
          method: req.method as 'GET',
          headers: request.headers,
          body,
          headersTimeout: this.options.timeoutMs,
          bodyTimeout: this.options.timeoutMs,
          signal: res,
        },
        ({ statusCode, headers }) => {
          res.writeHead(statusCode, clientHeaders(headers, request.own, request.ownsCors));
          return res;
        },
      );
    } catch (error) {
      if (res.headersSent || res.destroyed) return;
      // The client stopped sending the body it announced: the failure is its, and it is not there to be told.
      if (req.destroyed && !req.complete) return;
      throw this.toProblem(error, service);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.targets.values()].map((target) => target.pool.close()));
  }

  private toProblem(error: unknown, service: ServiceName): AppError {
    if (error instanceof BodyTooLarge || (error as { cause?: unknown }).cause instanceof BodyTooLarge) {
      return gatewayProblems.tooLarge(this.options.maxBodyBytes);
    }
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

/**
 * The body to send on: none when the request has none, else a counting wrapper around the request (a declared
 * length over the limit is refused unread). Never the request itself: undici destroys a body it gives up on (the
 * service is down, the limit is hit), and destroying the request would cut the client's connection before it
 * could read the gateway's answer.
 */
export function requestBody(req: IncomingMessage, maxBytes: number): Readable | null {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    rejectDeclaredOversize(req, maxBytes);
    if (declared === '0') return null;
  } else if (req.headers['transfer-encoding'] === undefined) {
    return null;
  }
  return Readable.from(limited(req.iterator({ destroyOnReturn: false }), maxBytes), { objectMode: false });
}

/** Throws the 413 problem when `Content-Length` is over the limit; the body is never read. */
export function rejectDeclaredOversize(req: IncomingMessage, maxBytes: number): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) throw gatewayProblems.tooLarge(maxBytes);
}

async function* limited(source: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > maxBytes) throw new BodyTooLarge();
    yield chunk;
  }
}
