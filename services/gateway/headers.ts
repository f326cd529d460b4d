/**
 * What crosses the gateway in each direction.
 *
 * To the service: everything the client sent except hop-by-hop headers and any header that could make a
 * service believe something about the caller or the request that the gateway did not establish. The gateway
 * then sets `x-request-id`, `x-forwarded-for` (the socket's address: nothing trusted stands in front of the
 * local gateway), `x-forwarded-proto` and `x-forwarded-host`. `Authorization` passes unchanged: services verify
 * the token again.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 hop-by-hop headers, plus `host` and `expect` (undici sets or refuses them itself). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
]);

/** Exact names a client must not set: forwarding info the gateway owns, and method/path overrides. */
const GATEWAY_OWNED = new Set([
  'x-request-id',
  'forwarded',
  'x-real-ip',
  'via',
  'remote-user',
  'x-original-url',
  'x-rewrite-url',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
]);

/**
 * Prefixes of headers that claim an identity or an upstream verdict (API Gateway's and ALB's own `x-amzn-*`,
 * oauth2-proxy's `x-auth-request-*`, `x-forwarded-user`, Kong's `x-consumer-*`, …). Matched on the lower-cased
 * name. Documented in docs/gateway.md; a service must never read identity from a header anyway.
 */
export const STRIPPED_PREFIXES: readonly string[] = [
  'x-forwarded-',
  'x-user',
  'x-principal',
  'x-amzn-',
  'x-amz-',
  'x-apigateway-',
  'x-auth',
  'x-remote-',
  'x-jwt',
  'x-claim',
  'x-consumer-',
  'x-credential',
  'x-identity',
  'x-cognito',
  'x-client-cert',
  'x-ssl-',
];

export function isStrippedRequestHeader(lowerName: string): boolean {
  if (HOP_BY_HOP.has(lowerName) || GATEWAY_OWNED.has(lowerName)) return true;
  if (lowerName.charCodeAt(0) !== 120 /* x */) return false;
  for (const prefix of STRIPPED_PREFIXES) if (lowerName.startsWith(prefix)) return true;
  return false;
}

export interface ForwardInfo {
  readonly requestId: string;
  readonly clientIp: string;
  readonly proto: 'http' | 'https';
  readonly host: string | undefined;
}

/** A flat `[name, value, …]` list, undici's cheapest header form; raw names keep the client's casing. */
export function upstreamHeaders(rawHeaders: readonly string[], forward: ForwardInfo, connection?: string): string[] {
  const out: string[] = [];
  // Almost always absent or plain `keep-alive`: then there is nothing more to strip, and no second pass.
  const plain = connection === undefined || connection === 'keep-alive' || connection === 'close';
  const connectionTokens = plain ? undefined : connectionListed(rawHeaders);
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (isStrippedRequestHeader(lower) || connectionTokens?.has(lower)) continue;
    out.push(name, rawHeaders[i + 1] as string);
  }
  out.push('x-request-id', forward.requestId, 'x-forwarded-for', forward.clientIp, 'x-forwarded-proto', forward.proto);
  if (forward.host) out.push('x-forwarded-host', forward.host);
  return out;
}

/** Headers named in `Connection` are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionListed(rawHeaders: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() !== 'connection') continue;
    for (const token of (rawHeaders[i + 1] as string).split(',')) {
      const name = token.trim().toLowerCase();
      if (name && name !== 'keep-alive' && name !== 'close') (tokens ??= new Set()).add(name);
    }
  }
  return tokens;
}

const RESPONSE_DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate']);

/**
 * The service's response headers for the client: hop-by-hop ones dropped, the gateway's request id set. With
 * CORS configured the gateway owns `access-control-*`, as API Gateway ignores an integration's CORS headers.
 */
export function clientHeaders(upstream: IncomingHttpHeaders, own: OutgoingHttpHeaders, ownsCors: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    if (RESPONSE_DROPPED.has(name)) continue;
    if (ownsCors && name.startsWith('access-control-')) continue;
    out[name] = upstream[name];
  }
  for (const name in own) out[name] = own[name];
  // The service's own Vary (say, Accept-Encoding) still holds next to the gateway's Vary: Origin.
  const vary = upstream.vary;
  if (vary && own.vary && vary !== own.vary) out.vary = `${vary}, ${String(own.vary)}`;
  return out;
}
