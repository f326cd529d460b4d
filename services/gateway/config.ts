/**
 * The gateway's environment. Parsed first at start; a bad variable stops startup naming it (loadConfig).
 * Defaults for throttling come from services/contracts/routes.ts, not from here: these variables only override them.
 */
import { z } from 'zod';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../contracts/shutdown';
import { cognitoEnvShape, env, loadConfig } from '../kit/config';
import { SERVICES, type ServiceName } from '../contracts/services';
import { parseTrustedProxies } from './client-address';
import { EDGE_PAYLOAD_LIMIT_BYTES, GATEWAY_DEFAULTS } from './gateway-options';

/** Where a service listens offline by default. */
const localUrl = (name: ServiceName) => `http://127.0.0.1:${SERVICES[name].port}`;

/**
 * A throttle limit, written as the other numbers are (env.port, env.positiveInt): a plain coercion read `0x10` as
 * 16, `1e3` as 1000 and ` +5` as 5, limits nobody typed. A rate may have a decimal part (the table's own account
 * rate is 0.2/s); a burst is a whole number of requests, as API Gateway's is. 0 is allowed and blocks every
 * request; an empty string counts as unset, not as 0.
 */
const limit = (pattern: RegExp, message: string) =>
  z.preprocess((value) => (value === '' ? undefined : value), z.string().regex(pattern, message).transform(Number).pipe(z.number()).optional());
const rateLimit = () => limit(/^\d+(\.\d+)?$/, 'must be requests per second, digits with an optional decimal part (e.g. 50 or 0.5)');
const burstLimit = () => limit(/^\d+$/, 'must be a whole number of requests, digits only');

/** `a,b , c` → ['a','b','c']; empty entries dropped. */
const csv = () =>
  z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    );

export const gatewayEnvSchema = z.object({
  GATEWAY_PORT: env.port(8080),
  GATEWAY_HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: env.logLevel(),
  /** Requests per second; when set, replaces the stage default and every rate of the table (route, client, account). */
  GATEWAY_RATE_LIMIT: rateLimit(),
  /** Bucket size; when set, replaces the stage default and every burst of the table (route, client, account). */
  GATEWAY_BURST_LIMIT: burstLimit(),
  /** When set, replaces every per-client rate of the table (per source address, per token subject). */
  GATEWAY_PER_CLIENT_RATE_LIMIT: rateLimit(),
  /** When set, replaces every per-client burst; with only the rate set, one second's worth of it. */
  GATEWAY_PER_CLIENT_BURST_LIMIT: burstLimit(),
  /** Proxies (addresses or CIDR blocks) whose X-Forwarded-For is believed. Empty: the header is never read. */
  GATEWAY_TRUSTED_PROXIES: csv().superRefine((entries, context) => {
    try {
      parseTrustedProxies(entries);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
    }
  }),
  /** From a connection's first byte to the end of its request headers; 408 after. */
  GATEWAY_HEADERS_TIMEOUT_MS: env.positiveInt(GATEWAY_DEFAULTS.headersTimeoutMs),
  /** To receive a whole request body, once the gateway starts reading it; 408 after. */
  GATEWAY_BODY_TIMEOUT_MS: env.positiveInt(GATEWAY_DEFAULTS.bodyTimeoutMs),
  /** Open connections per source address; the next one is answered 429 and closed. */
  GATEWAY_MAX_CONNECTIONS_PER_CLIENT: env.positiveInt(GATEWAY_DEFAULTS.maxConnectionsPerClient),
  /**
   * Open connections of all clients together, shared fairly between addresses (total-connections.ts). 512 and the three pools of
   * 128 connections to the services stay within the common limit of 1024 open files.
   */
  GATEWAY_MAX_CONNECTIONS: env.positiveInt(GATEWAY_DEFAULTS.maxConnections),
  /** How long answers may wait for a client that takes none of their bytes; its connection is cut after. */
  GATEWAY_SEND_TIMEOUT_MS: env.positiveInt(GATEWAY_DEFAULTS.sendTimeoutMs),
  /** Requests in flight per client address; the next one is answered 429. */
  GATEWAY_MAX_IN_FLIGHT_PER_CLIENT: env.positiveInt(GATEWAY_DEFAULTS.maxInFlightPerClient),
  /** Comma-separated origins allowed by CORS, or `*`. Empty: no CORS headers, no preflight answers. */
  GATEWAY_CORS_ORIGINS: csv().superRefine((origins, context) => {
    // What a browser sends as Origin: a scheme and a host (and port), nothing after; a trailing slash is dropped.
    const bad = origins.filter((origin) => origin !== '*' && !/^https?:\/\/(\[[0-9a-f:]+\]|[a-z0-9.-]+)(:\d{1,5})?\/*$/i.test(origin));
    if (bad.length > 0) {
      context.addIssue({ code: 'custom', message: `expected origins such as http://localhost:5173 or https://app.example.org, or * alone; not ${bad.map((b) => JSON.stringify(b)).join(', ')}` });
    } else if (origins.includes('*') && origins.length > 1) {
      context.addIssue({ code: 'custom', message: '* allows every origin, so it stands alone' });
    }
  }),
  /** A REST API's default integration timeout, 29 s, which the deployed API keeps (30 s was the HTTP API's). */
  GATEWAY_INTEGRATION_TIMEOUT_MS: env.positiveInt(GATEWAY_DEFAULTS.integrationTimeoutMs),
  /** The services' body limit (docs/problems.md, `body-too-large`: over 1 MiB is 413), so the gateway's 413 is the same answer. */
  GATEWAY_MAX_BODY_BYTES: env
    .positiveInt(GATEWAY_DEFAULTS.maxBodyBytes)
    .refine((bytes) => bytes <= EDGE_PAYLOAD_LIMIT_BYTES, `must be at most ${EDGE_PAYLOAD_LIMIT_BYTES}, API Gateway's own payload limit: a larger body is refused before it is read`),
  /** Request bodies held at once across all clients (each is read whole before it is forwarded); past it, 503. */
  GATEWAY_MAX_BUFFERED_BYTES: env.positiveInt(GATEWAY_DEFAULTS.maxBufferedBytes),
  GATEWAY_TOKEN_CACHE_SIZE: env.positiveInt(GATEWAY_DEFAULTS.tokenCacheSize),
  IDENTITY_URL: env.url().default(localUrl('identity')),
  PRODUCT_URL: env.url().default(localUrl('product')),
  BILLING_URL: env.url().default(localUrl('billing')),
  ...cognitoEnvShape,
  SHUTDOWN_TIMEOUT_MS: env.positiveInt(DEFAULT_SHUTDOWN_TIMEOUT_MS),
});

export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

export function loadGatewayConfig(source: Readonly<Record<string, string | undefined>> = process.env): GatewayEnv {
  return loadConfig(gatewayEnvSchema, source);
}
