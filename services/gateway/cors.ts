/**
 * The edge's CORS policy (services/contracts/cors.ts) as the deployed REST API applies it when CORS is configured
 * (preflight mocks, and the ALB's header injection on the services' answers): the gateway answers every preflight
 * itself, adds the CORS headers to every response for an allowed origin, and ignores the services' own CORS headers.
 * Bearer tokens travel in a header, not cookies, so credentials are not allowed.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { CORS } from '../contracts/cors';

const ALLOW_METHODS = CORS.allowMethods.join(', ');
const ALLOW_HEADERS = CORS.allowHeaders.join(', ');
const EXPOSE_HEADERS = CORS.exposeHeaders.join(', ');
const MAX_AGE = String(CORS.maxAgeSeconds);

const NONE: OutgoingHttpHeaders = Object.freeze({});

export class CorsPolicy {
  private readonly anyOrigin: boolean;
  private readonly origins: Set<string>;
  /** Per allowed origin, built once: responses reuse the same object. */
  private readonly built = new Map<string, OutgoingHttpHeaders>();

  constructor(allowedOrigins: readonly string[]) {
    this.anyOrigin = allowedOrigins.includes('*');
    this.origins = new Set(allowedOrigins.filter((origin) => origin !== '*').map((origin) => origin.replace(/\/+$/, '')));
  }

  get enabled(): boolean {
    return this.anyOrigin || this.origins.size > 0;
  }

  /** A preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`. */
  isPreflight(method: string | undefined, headers: IncomingHttpHeaders): boolean {
    return this.enabled && method === 'OPTIONS' && !!headers.origin && !!headers['access-control-request-method'];
  }

  /** Headers for an actual response; empty when CORS is off or the origin is not allowed. */
  responseHeaders(origin: string | undefined): OutgoingHttpHeaders {
    if (!origin || !this.enabled) return NONE;
    const allowed = this.anyOrigin ? '*' : this.origins.has(origin) ? origin : undefined;
    if (!allowed) return this.anyOrigin ? NONE : { vary: 'Origin' };
    let headers = this.built.get(allowed);
    if (!headers) {
      headers = Object.freeze({
        'access-control-allow-origin': allowed,
        'access-control-expose-headers': EXPOSE_HEADERS,
        ...(this.anyOrigin ? {} : { vary: 'Origin' }),
      });
      this.built.set(allowed, headers);
    }
    return headers;
  }

  /** The 204 answer's headers; without `access-control-allow-*` for a foreign origin, so the browser refuses. */
  preflightHeaders(origin: string | undefined): OutgoingHttpHeaders {
    const base = this.responseHeaders(origin);
    if (!base['access-control-allow-origin']) return { ...base };
    return {
      ...base,
      'access-control-allow-methods': ALLOW_METHODS,
      'access-control-allow-headers': ALLOW_HEADERS,
      'access-control-max-age': MAX_AGE,
    };
  }
}
