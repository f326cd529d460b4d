/** What createGateway takes: the environment's settings (start.ts) or a test's. Defaults are in the @default tags. */
import type { RouteDefinition, Throttle } from '../contracts/routes';
import { JSON_BODY_LIMIT_BYTES } from '../kit/http/body-limit';
import type { Logger } from '../kit/logger';
import type { TokenVerifier } from './authorizer';
import type { Clock, ThrottleOverride } from './throttle';
import type { CachedPrincipal } from './token-cache';
import type { UpstreamUrls } from './upstream';

/**
 * API Gateway's own payload limit (10 MB, 10,485,760 bytes), not a setting: its front end refuses a larger request
 * with 413 before the authorizer runs. Below it, the services' limit (maxBodyBytes) applies after the token check,
 * as in AWS, where the service answers that 413 itself.
 */
export const EDGE_PAYLOAD_LIMIT_BYTES = 10 * 1024 * 1024;

/** The numbers the options below default to: createGateway's and the environment's (config.ts) alike. */
export const GATEWAY_DEFAULTS = {
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  maxConnectionsPerClient: 128,
  maxConnections: 512,
  sendTimeoutMs: 10_000,
  maxInFlightPerClient: 64,
  integrationTimeoutMs: 29_000,
  maxBodyBytes: JSON_BODY_LIMIT_BYTES,
  maxBufferedBytes: 64 * 1024 * 1024,
  upstreamConnections: 128,
  tokenCacheSize: 10_000,
} as const;

export interface GatewayOptions<P extends CachedPrincipal = CachedPrincipal> {
  readonly upstreams: UpstreamUrls;
  readonly verifier: TokenVerifier<P>;
  readonly logger: Logger;
  /** @default ROUTES from services/contracts/routes.ts */
  readonly routes?: readonly RouteDefinition[];
  /** @default STAGE_THROTTLE */
  readonly stageThrottle?: Throttle;
  /** GATEWAY_RATE_LIMIT / GATEWAY_BURST_LIMIT: each, when set, replaces that limit everywhere in the table. */
  readonly throttleOverride?: ThrottleOverride;
  /** GATEWAY_PER_CLIENT_RATE_LIMIT / _BURST_LIMIT: each, when set, replaces that per-client limit on every route. */
  readonly perClientOverride?: ThrottleOverride;
  /** GATEWAY_TRUSTED_PROXIES: addresses or CIDR blocks whose X-Forwarded-For is believed. @default none */
  readonly trustedProxies?: readonly string[];
  /** @default 10000 */
  readonly headersTimeoutMs?: number;
  /** @default 30000 */
  readonly bodyTimeoutMs?: number;
  /** Open connections per source address. @default 128 */
  readonly maxConnectionsPerClient?: number;
  /** Open connections of all clients together, shared fairly between addresses (total-connections.ts). @default 512 */
  readonly maxConnections?: number;
  /** How long bytes may wait for a client that takes none of them before its connection is cut. @default 10000 */
  readonly sendTimeoutMs?: number;
  /** Requests in flight per client address. @default 64 */
  readonly maxInFlightPerClient?: number;
  /** Origins allowed by CORS, or `['*']`; empty or absent: CORS off. */
  readonly corsOrigins?: readonly string[];
  /** For the response headers, then between body chunks: the REST API's 29 s. @default 29000 */
  readonly integrationTimeoutMs?: number;
  /** The services' own limit, so a 413 from the gateway is the answer the service would give. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** Bytes of request bodies held at once, all clients together; a body past it is answered 503. @default 64 MiB */
  readonly maxBufferedBytes?: number;
  /** Connections to each service. @default 128 */
  readonly upstreamConnections?: number;
  /** @default 10000 */
  readonly tokenCacheSize?: number;
  /** Milliseconds since the epoch; throttles and the token cache read it. @default Date.now */
  readonly clock?: Clock;
}
