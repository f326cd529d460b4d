/**
 * The requests the gateway answers itself, before any route's limits: CORS preflights, `/health`, `/docs`, and a
 * path or method no route matches (404, 405). A chunked body on one of them is read to its end and dropped first,
 * as API Gateway reads every request whole before it answers: over its payload limit that is a 413, whatever the
 * path (request-body.ts, skipBody). A declared one is refused before this when too large, else drained after.
 */
import { DOCS_CSP } from './docs';
import type { Exchange } from './exchange';
import { EDGE_PAYLOAD_LIMIT_BYTES } from './gateway-options';
import type { GatewayParts } from './gateway-parts';
import { gatewayProblems } from './problem';
import { isChunked, skipBody } from './request-body';
import type { GatewayRoute } from './routing';
import type { CachedPrincipal } from './token-cache';

type Answer = () => void | Promise<void>;

/**
 * The route of the table the request is for (named on the exchange for its log line), or `undefined` once the
 * gateway has answered it itself.
 */
export async function routeOrOwnAnswer<P extends CachedPrincipal>(g: GatewayParts<P>, x: Exchange): Promise<GatewayRoute | undefined> {
  const target = ownAnswer(g, x);
  if (typeof target !== 'function') return target;
  if (isChunked(x.req)) await skipBody(x.req, x.res, { maxBytes: EDGE_PAYLOAD_LIMIT_BYTES, timeoutMs: g.body.timeoutMs }, gatewayProblems.tooLargeForEdge);
  await target();
  return undefined;
}

function ownAnswer<P extends CachedPrincipal>(g: GatewayParts<P>, x: Exchange): GatewayRoute | Answer {
  if (g.cors.isPreflight(x.method, x.req.headers)) return () => x.empty(204, g.cors.preflightHeaders(x.req.headers.origin));
  if (x.path === '/health') return () => health(x);
  const asset = g.docs.asset(x.path);
  if (asset) return () => sendDoc(x, asset);
  const match = g.router.match(x.method, x.path);
  if (match.kind === 'not-found') return () => Promise.reject(gatewayProblems.notFound(x.method, x.path));
  if (match.kind === 'method-not-allowed') return () => Promise.reject(gatewayProblems.methodNotAllowed(match.allow));
  x.routeKey = match.route.key;
  return match.route;
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
