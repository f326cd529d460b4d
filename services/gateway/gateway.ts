/**
 * The local edge, on bare node:http: body size over API Gateway's 10 MiB → CORS preflight → own endpoints (/health,
 * /docs) → route match (own-answers.ts) → in-flight cap → caller (source address, or the JWT authorizer's subject) → per-client
 * bucket → body read whole, within the services' size limit and the budget all bodies share → route bucket → (account, address) bucket → account bucket →
 * proxy. Everything derived from the route table is built once (gateway-parts.ts); a request only looks things up. docs/gateway.md has the limit model.
 */
import type { IncomingMessage, RequestListener, Server, ServerOptions, ServerResponse } from 'node:http';
import { STAGE_CLIENT_LIMITS } from '../contracts/routes';
import { AppError } from '../kit/errors';
import { createProblemServer, type ProblemServerLimits } from '../kit/http/client-errors';
import { framingProblem, originForm } from '../kit/http/message-framing';
import { closeWithConnection } from './connection-gone';
import { capConnections, refusesNext } from './connections';
import { Exchange } from './exchange';
import { EDGE_PAYLOAD_LIMIT_BYTES, GATEWAY_DEFAULTS, type GatewayOptions } from './gateway-options';
import { gatewayParts, type GatewayParts } from './gateway-parts';
import { upstreamHeaders } from './headers';
import { routeOrOwnAnswer } from './own-answers';
import { gatewayProblems } from './problem';
import { readBody, rejectDeclaredOversize } from './request-body';
import type { GatewayRoute } from './routing';
import { cutStalledReaders } from './stalled-readers';
import { capTotalConnections } from './total-connections';
import type { CachedPrincipal } from './token-cache';

export type { GatewayOptions } from './gateway-options';

export interface Gateway {
  readonly handler: RequestListener;
  /** Options node:http needs for the gateway's deadlines; `createServer` uses them. */
  readonly serverOptions: ServerOptions;
  /** Its body limit and its table's methods, for the server's own answers (no 100 Continue, a CONNECT's Allow). */
  readonly serverLimits: ProblemServerLimits;
  /**
   * Caps connections per client and in all, and cuts clients that stop reading, on a server built with
   * `serverOptions` around `handler`.
   */
  attach(server: Server): void;
  /** A node:http server around the handler, attached, not yet listening (tests listen on port 0). */
  createServer(): Server;
  /** Closes the upstream connection pools. */
  close(): Promise<void>;
}

export function createGateway<P extends CachedPrincipal>(options: GatewayOptions<P>): Gateway {
  const g = gatewayParts(options);
  const handler = requestHandler(g);
  const tableMethods = [...new Set(g.definitions.map((route) => route.method))].join(', ');
  const serverLimits = { connectAllow: tableMethods };
  const attach = (target: Server) => {
    const refusedByOwnCap = refusesNext(g.connections, g.addresses);
    capTotalConnections(target, options.maxConnections ?? GATEWAY_DEFAULTS.maxConnections, g.logger, refusedByOwnCap);
    capConnections(target, g.connections, g.addresses, g.refused);
    cutStalledReaders(target, options.sendTimeoutMs ?? GATEWAY_DEFAULTS.sendTimeoutMs, g.logger);
  };

  return {
    handler,
    serverOptions: g.serverOptions,
    serverLimits,
    attach,
    createServer: () => {
      const created = createProblemServer(g.serverOptions, handler, g.logger, serverLimits);
      // Longer than a load balancer's idle timeout, as in kit/http/serve.ts.
      created.keepAliveTimeout = 65_000;
      attach(created);
      return created;
    },
    close: () => g.upstreams.close(),
  };
}

function requestHandler<P extends CachedPrincipal>(g: GatewayParts<P>): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    // Already answered 429 when it opened (connections.ts): whatever node parsed from it gets nothing more.
    if (g.refused.has(req.socket)) return;
    // Routed, and forwarded, by its path: the service gets the origin form whatever form the client sent.
    req.url = originForm(req.url ?? '/');
    const clientIp = g.addresses.resolve(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for']);
    closeWithConnection(req.socket, res);
    const x = new Exchange(req, res, g.cors.responseHeaders(req.headers.origin), clientIp);
    serve(g, x)
      .catch((error: unknown) => x.fail(error, g.logger))
      .finally(() => x.log(g.logger));
  };
}

/** The pipeline of the file's header, in that order; each step throws the problem that ends the request. */
async function serve<P extends CachedPrincipal>(g: GatewayParts<P>, x: Exchange): Promise<void> {
  const { limits, now } = g;
  const framing = framingProblem(x.req);
  if (framing) throw framing;
  // Over API Gateway's own limit, refused before any other work, whatever the path or method, as its front end does
  // (a chunked body's size is known only as it comes: routeOrOwnAnswer, readBody). Over the services' (1 MiB) only
  // once the token is checked (readBody): in AWS such a body passes the authorizer and the service answers 413.
  rejectDeclaredOversize(x.req, EDGE_PAYLOAD_LIMIT_BYTES, gatewayProblems.tooLargeForEdge);
  const route = await routeOrOwnAnswer(g, x);
  if (!route) return;
  // Every per-client limit counts on the address's key (an IPv6 client by its /64); the service is told the address.
  if (!g.inFlight.tryEnter(x.clientKey)) throw gatewayProblems.tooManyInFlight(g.inFlight.max);
  x.res.once('close', () => g.inFlight.leave(x.clientKey));
  const who = route.auth === 'public' ? x.clientKey : await authorize(g, x, route);
  throttleIf(limits.takeClient(route.client, who, now()));
  const share = g.buffered.share(x.clientKey);
  // 'close' comes once the answer is out or the client left, whichever way the request ended.
  x.res.once('close', share.release);
  const payload = await readBody(x.req, x.res, g.body, share);
  // The route's bucket before the account's: a request the route refuses spends no account budget.
  throttleIf(limits.takeRoute(route, now()));
  const account = limits.account(route, payload, x.clientKey, x.req.headers['content-encoding']);
  if (account) throttleIf(limits.takeAccount(account, now()));
  const status = await g.upstreams.forward({
    service: route.service,
    req: x.req,
    res: x.res,
    headers: upstreamHeaders(x.req.rawHeaders, x.forwardInfo(), x.req.headers.connection),
    body: payload,
    own: x.own,
    ownsCors: g.cors.enabled,
  });
  if (account) limits.settle(account, status, now());
  x.drainUnreadBody();
}

/**
 * The token's subject. A request without a valid token spends no authenticated budget: it is counted
 * against its address's anonymous bucket instead, so a flood of bad tokens is throttled like anonymous traffic. Its
 * signature checks are limited per address too (authorizer.ts): past them, 429 before any check.
 */
async function authorize<P extends CachedPrincipal>(g: GatewayParts<P>, x: Exchange, route: GatewayRoute): Promise<string> {
  const { now } = g;
  try {
    x.sub = (await g.authorizer.authorize(route, x.req.headers.authorization, x.clientKey)).sub;
    return x.sub;
  } catch (error) {
    if (error instanceof AppError && error.status === 401) throttleIf(g.limits.takeClient(STAGE_CLIENT_LIMITS.anonymous, x.clientKey, now()));
    throw error;
  }
}

function throttleIf(retryAfterSeconds: number | undefined): void {
  if (retryAfterSeconds !== undefined) throw gatewayProblems.throttled(retryAfterSeconds);
}
