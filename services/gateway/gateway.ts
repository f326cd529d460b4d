/**
 * The local edge, on bare node:http: CORS preflight → own endpoints (/health, /docs) → route match →
 * route throttle → JWT authorizer → per-client throttle → proxy. Everything derived from the route table is
 * built once in createGateway; a request only looks things up.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { ROUTES, STAGE_THROTTLE, type RouteDefinition, type Throttle } from '../contracts/routes';
import { answerClientErrors } from '../kit/http/client-errors';
import type { Logger } from '../kit/logger';
import { Authorizer, type TokenVerifier } from './authorizer';
import { ClientThrottle } from './client-throttle';
import { CorsPolicy } from './cors';
import { apiDocuments, DocsSite, DOCS_CSP } from './docs';
import { Exchange } from './exchange';
import { upstreamHeaders } from './headers';
import { gatewayProblems } from './problem';
import { compileRoutes, type GatewayRoute } from './routing';
import { effectiveThrottle, TokenBucket, type Clock, type ThrottleOverride } from './throttle';
import type { CachedPrincipal } from './token-cache';
import { rejectDeclaredOversize, Upstreams, type UpstreamUrls } from './upstream';

export interface GatewayOptions<P extends CachedPrincipal = CachedPrincipal> {
  readonly upstreams: UpstreamUrls;
  readonly verifier: TokenVerifier<P>;
  readonly logger: Logger;
  /** @default ROUTES from services/contracts/routes.ts */
  readonly routes?: readonly RouteDefinition[];
  /** @default STAGE_THROTTLE */
  readonly stageThrottle?: Throttle;
  /** GATEWAY_RATE_LIMIT / GATEWAY_BURST_LIMIT: each, when set, replaces that limit on every route. */
  readonly throttleOverride?: ThrottleOverride;
  /** Per-client buckets (by `sub`, else IP); off when absent. */
  readonly perClientThrottle?: Throttle;
  /** Origins allowed by CORS, or `['*']`; empty or absent: CORS off. */
  readonly corsOrigins?: readonly string[];
  /** @default 30000 */
  readonly integrationTimeoutMs?: number;
  /** @default 10 MiB */
  readonly maxBodyBytes?: number;
  /** @default 10000 */
  readonly tokenCacheSize?: number;
  /** Milliseconds since the epoch; throttles and the token cache read it. @default Date.now */
  readonly clock?: Clock;
}

export interface Gateway {
  readonly handler: RequestListener;
  /** A node:http server around the handler, not yet listening (tests listen on port 0). */
  createServer(): Server;
  /** Closes the upstream connection pools. */
  close(): Promise<void>;
}

export function createGateway<P extends CachedPrincipal>(options: GatewayOptions<P>): Gateway {
  const definitions = options.routes ?? ROUTES;
  const now = options.clock ?? Date.now;
  const router = compileRoutes(definitions);
  const stage = options.stageThrottle ?? STAGE_THROTTLE;
  const buckets = new Map<GatewayRoute, TokenBucket>(
    router.routes.map((route) => [route, new TokenBucket(effectiveThrottle(route.throttle, stage, options.throttleOverride), now())]),
  );
  const clients = options.perClientThrottle ? new ClientThrottle(options.perClientThrottle) : undefined;
  const authorizer = new Authorizer({ verifier: options.verifier, cacheSize: options.tokenCacheSize ?? 10_000, now });
  const cors = new CorsPolicy(options.corsOrigins ?? []);
  const docs = new DocsSite(apiDocuments(definitions));
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const upstreams = new Upstreams({
    urls: options.upstreams,
    timeoutMs: options.integrationTimeoutMs ?? 30_000,
    maxBodyBytes,
  });
  const { logger } = options;

  async function serve(x: Exchange): Promise<void> {
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
    rejectDeclaredOversize(x.req, maxBodyBytes);
    const bucket = buckets.get(route) as TokenBucket;
    if (!bucket.tryTake(now())) throw gatewayProblems.throttled(bucket.retryAfterSeconds(now()));
    if (route.auth !== 'public') x.sub = (await authorizer.authorize(route, x.req.headers.authorization)).sub;
    const wait = clients?.take(x.sub ?? x.clientIp, now());
    if (wait !== undefined) throw gatewayProblems.throttled(wait);
    await upstreams.forward({
      service: route.service,
      req: x.req,
      res: x.res,
      headers: upstreamHeaders(x.req.rawHeaders, x.forwardInfo(), x.req.headers.connection),
      own: x.own,
      ownsCors: cors.enabled,
    });
    x.drainUnreadBody();
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const x = new Exchange(req, res, cors.responseHeaders(req.headers.origin));
    serve(x)
      .catch((error: unknown) => x.fail(error, logger))
      .finally(() => x.log(logger));
  };

  return {
    handler,
    createServer: () => {
      const server = createServer(handler);
      answerClientErrors(server, logger);
      // Longer than a load balancer's idle timeout, as in kit/http/serve.ts.
      server.keepAliveTimeout = 65_000;
      return server;
    },
    close: () => upstreams.close(),
  };
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
