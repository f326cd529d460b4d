/**
 * What createGateway builds once from its options and the route table, so that a request only looks things up:
 * the router and its limits, the authorizer, the per-client caps, CORS, the docs, the body budget and the upstreams.
 */
import type { ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import { ROUTES, STAGE_CLIENT_LIMITS, STAGE_THROTTLE, type RouteDefinition } from '../contracts/routes';
import { deadlineOptions } from '../kit/http/serve';
import type { Logger } from '../kit/logger';
import { Authorizer } from './authorizer';
import { BodyBudget } from './body-budget';
import { ConcurrencyCap } from './client-caps';
import { ClientAddresses } from './client-address';
import { CorsPolicy } from './cors';
import { apiDocuments, DocsSite } from './docs';
import { EdgeLimits, type LimitOverrides } from './edge-limits';
import { GATEWAY_DEFAULTS, type GatewayOptions } from './gateway-options';
import { compileRoutes, type Router } from './routing';
import { perClientThrottle } from './throttle';
import type { CachedPrincipal } from './token-cache';
import { Upstreams } from './upstream';

export interface GatewayParts<P extends CachedPrincipal> {
  readonly definitions: readonly RouteDefinition[];
  readonly now: () => number;
  readonly router: Router;
  readonly limits: EdgeLimits;
  readonly authorizer: Authorizer<P>;
  readonly addresses: ClientAddresses;
  /** Open connections per client (connections.ts). */
  readonly connections: ConcurrencyCap;
  /** Requests in flight per client. */
  readonly inFlight: ConcurrencyCap;
  /** Sockets already answered 429 when they opened. */
  readonly refused: WeakSet<Socket>;
  readonly cors: CorsPolicy;
  readonly docs: DocsSite;
  readonly body: { readonly maxBytes: number; readonly timeoutMs: number };
  readonly buffered: BodyBudget;
  readonly serverOptions: ServerOptions;
  readonly upstreams: Upstreams;
  readonly logger: Logger;
}

export function gatewayParts<P extends CachedPrincipal>(options: GatewayOptions<P>): GatewayParts<P> {
  const definitions = options.routes ?? ROUTES;
  const now = options.clock ?? Date.now;
  const router = compileRoutes(definitions);
  const overrides: LimitOverrides = { all: options.throttleOverride, perClient: options.perClientOverride };
  const limits = new EdgeLimits(router.routes, options.stageThrottle ?? STAGE_THROTTLE, overrides, now());
  // Failed token checks per address get the anonymous pool's limit: a bad token is answered as an anonymous request.
  const failedChecks = perClientThrottle(STAGE_CLIENT_LIMITS.anonymous.throttle, overrides.all, overrides.perClient);
  const cacheSize = options.tokenCacheSize ?? GATEWAY_DEFAULTS.tokenCacheSize;
  const authorizer = new Authorizer({ verifier: options.verifier, cacheSize, now, failedChecks });
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
  const serverOptions = deadlineOptions({ headersTimeoutMs: options.headersTimeoutMs ?? GATEWAY_DEFAULTS.headersTimeoutMs, bodyTimeoutMs: body.timeoutMs });
  const upstreams = new Upstreams({
    urls: options.upstreams,
    timeoutMs: options.integrationTimeoutMs ?? GATEWAY_DEFAULTS.integrationTimeoutMs,
    connections: options.upstreamConnections ?? GATEWAY_DEFAULTS.upstreamConnections,
  });
  return { definitions, now, router, limits, authorizer, addresses, connections, inFlight, refused, cors, docs, body, buffered, serverOptions, upstreams, logger: options.logger };
}
