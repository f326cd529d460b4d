/**
 * The local edge, on bare node:http: CORS preflight → own endpoints (/health, /docs) → route match → body size
 * → in-flight cap → caller (source address, or the JWT authorizer's subject) → per-client bucket → body read
 * whole, within the budget all bodies share → route bucket → (account, address) bucket → account bucket →
 * proxy. Everything derived from the route table is built once in createGateway; a request only looks things up. docs/gateway.md has the limit model.
 */
import type { IncomingMessage, RequestListener, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ROUTES, STAGE_CLIENT_LIMITS, STAGE_THROTTLE } from '../contracts/routes';
import { AppError } from '../kit/errors';
import { createProblemServer, type ProblemServerLimits } from '../kit/http/client-errors';
import { framingProblem, originForm } from '../kit/http/message-framing';
import { deadlineOptions } from '../kit/http/serve';
import { Authorizer } from './authorizer';
import { BodyBudget } from './body-budget';
import { ConcurrencyCap } from './client-caps';
import { ClientAddresses } from './client-address';
import { closeWithConnection } from './connection-gone';
import { capConnections, capTotalConnections } from './connections';
import { CorsPolicy } from './cors';
import { apiDocuments, DocsSite, DOCS_CSP } from './docs';
import { EdgeLimits, type LimitOverrides } from './edge-limits';
import { Exchange } from './exchange';
import { upstreamHeaders } from './headers';
import { gatewayProblems } from './problem';
import { readBody, rejectDeclaredOversize } from './request-body';
import { compileRoutes, type GatewayRoute } from './routing';
import { cutStalledReaders } from './stalled-readers';
import type { CachedPrincipal } from './token-cache';
import { Upstreams } from './upstream';
import { GATEWAY_DEFAULTS, type GatewayOptions } from './gateway-options';

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
  const definitions = options.routes ?? ROUTES;
  const now = options.clock ?? Date.now;
  const router = compileRoutes(definitions);
  const overrides: LimitOverrides = { all: options.throttleOverride, perClient: options.perClientOverride };
  const limits = new EdgeLimits(router.routes, options.stageThrottle ?? STAGE_THROTTLE, overrides, now());
  const authorizer = new Authorizer({ verifier: options.verifier, cacheSize: options.tokenCacheSize ?? GATEWAY_DEFAULTS.tokenCacheSize, now });
  const addresses = new ClientAddresses(options.trustedProxies);
  const connections = new ConcurrencyCap(options.maxConnectionsPerClient ?? GATEWAY_DEFAULTS.maxConnectionsPerClient);
  const inFlight = new ConcurrencyCap(options.maxInFlightPerClient ?? GATEWAY_DEFAULTS.maxInFlightPerClient);
  const refused = new WeakSet<Socket>();
  const cors = new CorsPolicy(options.corsOrigins ?? []);
  const docs = new DocsSite(apiDocuments(definitions));
  const body = { maxBytes: options.maxBodyBytes ?? GATEWAY_DEFAULTS.maxBodyBytes, timeoutMs: options.bodyTimeoutMs ?? GATEWAY_DEFAULTS.bodyTimeoutMs };
  const maxBuffered = options.maxBufferedBytes ?? GATEWAY_DEFAULTS.maxBufferedBytes;
  // An eighth of the budget per address (never less than one whole body): it takes eight addresses to fill it.
  const buffered = new BodyBudget(maxBuffered, Math.max(body.maxBytes, Math.floor(maxBuffered / 8)));
  const server = deadlineOptions({ headersTimeoutMs: options.headersTimeoutMs ?? GATEWAY_DEFAULTS.headersTimeoutMs, bodyTimeoutMs: body.timeoutMs });
  const upstreams = new Upstreams({
    urls: options.upstreams,
    timeoutMs: options.integrationTimeoutMs ?? GATEWAY_DEFAULTS.integrationTimeoutMs,
    connections: options.upstreamConnections ?? GATEWAY_DEFAULTS.upstreamConnections,
  });
  const { logger } = options;

  async function serve(x: Exchange): Promise<void> {
    const framing = framingProblem(x.req);
    if (framing) throw framing;
    if (cors.isPreflight(x.method, x.req.headers)) return x.empty(204, cors.preflightHeaders(x.req.headers.origin));
    if (x.path === '/health') return health(x);
    const asset = docs.asset(x.path);
    if (asset) return sendDoc(x, asset);
    const match = router.match(x.method, x.path);
    if (match.kind === 'not-found') throw gatewayProblems.notFound(x.method, x.path);
    if (match.kind === 'method-not-allowed') throw gatewayProblems.methodNotAllowed(match.allow);
    const { route } = match;
    x.routeKey = route.key;
    // A declared body over the limit is refused before any other work, as API Gateway does.
    rejectDeclaredOversize(x.req, body.maxBytes);
    if (!inFlight.tryEnter(x.clientIp)) throw gatewayProblems.tooManyInFlight(inFlight.max);
    x.res.once('close', () => inFlight.leave(x.clientIp));
    const who = route.auth === 'public' ? x.clientIp : await authorize(x, route);
    throttleIf(limits.takeClient(route.client, who, now()));
    const share = buffered.share(x.clientIp);
    // 'close' comes once the answer is out or the client left, whichever way the request ended.
    x.res.once('close', share.release);
    const payload = await readBody(x.req, body, share);
    // The route's bucket before the account's: a request the route refuses spends no account budget.
    throttleIf(limits.takeRoute(route, now()));
    const account = limits.account(route, payload, x.clientIp, x.req.headers['content-encoding']);
    if (account) throttleIf(limits.takeAccount(account, now()));
    const status = await upstreams.forward({
      service: route.service,
      req: x.req,
      res: x.res,
      headers: upstreamHeaders(x.req.rawHeaders, x.forwardInfo(), x.req.headers.connection),
      body: payload,
      own: x.own,
      ownsCors: cors.enabled,
    });
    if (account) limits.settle(account, status, now());
    x.drainUnreadBody();
  }

  /**
   * The token's subject. A request without a valid token spends no authenticated budget: it is counted
   * against its address's anonymous bucket instead, so a flood of bad tokens is throttled like anonymous traffic.
   */
  async function authorize(x: Exchange, route: GatewayRoute): Promise<string> {
    try {
      x.sub = (await authorizer.authorize(route, x.req.headers.authorization)).sub;
      return x.sub;
    } catch (error) {
      if (error instanceof AppError && error.status === 401) throttleIf(limits.takeClient(STAGE_CLIENT_LIMITS.anonymous, x.clientIp, now()));
      throw error;
    }
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    // Already answered 429 when it opened (connections.ts): whatever node parsed from it gets nothing more.
    if (refused.has(req.socket)) return;
    // Routed, and forwarded, by its path: the service gets the origin form whatever form the client sent.
    req.url = originForm(req.url ?? '/');
    const clientIp = addresses.resolve(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for']);
    closeWithConnection(req.socket, res);
    const x = new Exchange(req, res, cors.responseHeaders(req.headers.origin), clientIp);
    serve(x)
      .catch((error: unknown) => x.fail(error, logger))
      .finally(() => x.log(logger));
  };

  const tableMethods = [...new Set(definitions.map((route) => route.method))].join(', ');
  const serverLimits = { maxBodyBytes: body.maxBytes, connectAllow: tableMethods };
  const attach = (target: Server) => {
    capTotalConnections(target, options.maxConnections ?? GATEWAY_DEFAULTS.maxConnections, logger);
    capConnections(target, connections, addresses, refused);
    cutStalledReaders(target, options.sendTimeoutMs ?? GATEWAY_DEFAULTS.sendTimeoutMs, logger);
  };

  return {
    handler,
    serverOptions: server,
    serverLimits,
    attach,
    createServer: () => {
      const created = createProblemServer(server, handler, logger, serverLimits);
      // Longer than a load balancer's idle timeout, as in kit/http/serve.ts.
      created.keepAliveTimeout = 65_000;
      attach(created);
      return created;
    },
    close: () => upstreams.close(),
  };
}

function throttleIf(retryAfterSeconds: number | undefined): void {
  if (retryAfterSeconds !== undefined) throw gatewayProblems.throttled(retryAfterSeconds);
}

function health(x: Exchange): void {
  if (x.method !== 'GET') throw gatewayProblems.methodNotAllowed('GET');
  x.json(200, { status: 'ok' });
}

async function sendDoc(x: Exchange, asset: Promise<{ contentType: string; body: Buffer }>): Promise<void> {
  if (x.method !== 'GET') throw gatewayProblems.methodNotAllowed('GET');
  const { contentType, body } = await asset;
  x.send(200, body, contentType, { 'content-security-policy': DOCS_CSP, 'cache-control': 'public, max-age=300' });
}
