/**
 * Config → verifier → gateway → listening server, with a graceful close. Used by main.ts and by
 * services/local (`npm start`), which run the same gateway.
 */
import { verifierFromConfig } from '../kit/auth/from-config';
import { serve } from '../kit/http/serve';
import type { Logger } from '../kit/logger';
import type { GatewayEnv } from './config';
import { createGateway, type Gateway, type GatewayOptions } from './gateway';

export interface RunningGateway {
  readonly url: string;
  readonly gateway: Gateway;
  /** Stops accepting, lets in-flight requests finish (cut after the timeout), closes upstream pools. */
  close(): Promise<void>;
}

/** The options createGateway gets from the environment. */
export function gatewayOptionsFromEnv(config: GatewayEnv, logger: Logger): GatewayOptions {
  const perClientRate = config.GATEWAY_PER_CLIENT_RATE_LIMIT;
  // Only the rate set: one second's worth of it as the burst, as before the table had per-client limits.
  const perClientBurst = config.GATEWAY_PER_CLIENT_BURST_LIMIT ?? (perClientRate === undefined ? undefined : Math.max(1, perClientRate));
  return {
    logger,
    upstreams: { identity: config.IDENTITY_URL, product: config.PRODUCT_URL, billing: config.BILLING_URL },
    verifier: verifierFromConfig(config),
    throttleOverride: { rateLimit: config.GATEWAY_RATE_LIMIT, burstLimit: config.GATEWAY_BURST_LIMIT },
    perClientOverride: { rateLimit: perClientRate, burstLimit: perClientBurst },
    trustedProxies: config.GATEWAY_TRUSTED_PROXIES,
    headersTimeoutMs: config.GATEWAY_HEADERS_TIMEOUT_MS,
    bodyTimeoutMs: config.GATEWAY_BODY_TIMEOUT_MS,
    maxConnectionsPerClient: config.GATEWAY_MAX_CONNECTIONS_PER_CLIENT,
    maxConnections: config.GATEWAY_MAX_CONNECTIONS,
    sendTimeoutMs: config.GATEWAY_SEND_TIMEOUT_MS,
    maxInFlightPerClient: config.GATEWAY_MAX_IN_FLIGHT_PER_CLIENT,
    corsOrigins: config.GATEWAY_CORS_ORIGINS,
    integrationTimeoutMs: config.GATEWAY_INTEGRATION_TIMEOUT_MS,
    maxBodyBytes: config.GATEWAY_MAX_BODY_BYTES,
    maxBufferedBytes: config.GATEWAY_MAX_BUFFERED_BYTES,
    tokenCacheSize: config.GATEWAY_TOKEN_CACHE_SIZE,
  };
}

export async function startGateway(config: GatewayEnv, logger: Logger): Promise<RunningGateway> {
  const gateway = createGateway(gatewayOptionsFromEnv(config, logger));
  const server = await serve(gateway.handler, {
    serverOptions: gateway.serverOptions,
    limits: gateway.serverLimits,
    port: config.GATEWAY_PORT,
    host: config.GATEWAY_HOST,
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onClose: [() => gateway.close()],
  });
  gateway.attach(server.server);
  return { url: server.url, gateway, close: server.close };
}
