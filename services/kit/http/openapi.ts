/**
 * Shared pieces of the services' OpenAPI documents. Each service lists what is its own (summaries, bodies,
 * success answers, the problems its use cases raise); what every route has in common is added here from the
 * route table: its security, the edge's answers (408, 429, 5xx), 401/403 for its auth level, 400/413/415 for
 * a body, and the headers those answers carry. A route of the table without a documented operation, or an
 * operation without a route, stops the document from being built, so the two cannot drift apart.
 */
import { z } from 'zod';
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject, ZodOpenApiResponseObject } from 'zod-openapi';
import { routeKey, type RouteDefinition } from '../../contracts/routes';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

/** The name of the security scheme every document declares. */
export const BEARER = 'bearer';

/** Cognito access tokens; the scopes listed on an operation are the ones the token must carry (any one). */
export const securitySchemes = {
  [BEARER]: {
    type: 'http' as const,
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'A Cognito access token from `POST /identity/token` (an id token is refused). The list on an operation names ' +
      'the OAuth scopes the token must carry (any one); admin routes also need the `admin` group (403 otherwise).',
  },
};

/**
 * What every document says about the answers OpenAPI cannot attach to an operation, after the API's own words.
 * (An operation lists the answers to its own method; these come from a method or path that has none.)
 */
export function apiDescription(own: string): string {
  return `${own}\n\nA documented path called with another method answers 405 with \`Allow\`; an unknown path answers 404. Every error is \`application/problem+json\` (RFC 9457) and every answer carries \`x-request-id\`.`;
}

/** Where the documents are served: each answers the same paths at the gateway, the deployed API and the service. */
export const servers = [
  { url: '/', description: 'The host that served this document: the gateway (npm start: http://127.0.0.1:8080), the deployed API, or the service itself' },
];

const requestIdHeader = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,128}$/)
  .meta({ description: "The caller's `x-request-id` when it sent a sane one (≤ 128 of `[A-Za-z0-9._-]`), else a new UUID" });
const retryAfterHeader = z.string().regex(/^\d+$/).meta({ description: 'Seconds to wait before trying again' });
const wwwAuthenticateHeader = z.string().meta({ description: 'The Bearer challenge (RFC 6750)', example: 'Bearer error="invalid_token"' });

/** On every answer to a signed-in caller (services/kit/auth/middleware.ts): it is that caller's, for no cache to keep. */
export const NO_STORE = { 'Cache-Control': z.literal('no-store').meta({ description: 'Every answer to a signed-in caller is kept by no cache' }) };

/**
 * On public reads of data that changes (a product's price, whether it is on sale): a cache may keep the answer but
 * must ask again before using it. With no Cache-Control at all, a CDN put in front (CloudFront's default TTL is a
 * day) would serve yesterday's price.
 */
export const NO_CACHE = { 'Cache-Control': z.literal('no-cache').meta({ description: 'A cache may keep the answer but asks again before each use' }) };

/** Headers of a response: `x-request-id` on all of them, and any others the route sets. */
export function responseHeaders(extra: Record<string, z.ZodType> = {}) {
  return z.object({ 'x-request-id': requestIdHeader, ...extra });
}

/** What a status means on every route that has it; a route's own problems say `Problem (<status>)` unless described. */
const MEANINGS: Readonly<Record<number, string>> = {
  400: 'The request is not valid (malformed JSON, a field or query parameter that fails validation); `errors` lists the fields',
  401: 'The bearer token is missing or invalid',
  403: 'The token is valid but its user is not in the group this route needs',
  408: 'The headers or the body did not arrive in time',
  413: 'The body is over the limit (1 MiB at a service and at the local gateway, 10 MB at API Gateway)',
  415: 'The body is not application/json',
  429: 'Over the route\'s or the client\'s limit',
  500: 'The platform failed; the details are in its log under the request id',
  502: 'The gateway got no proper answer from the service',
  503: 'The service or one it depends on cannot answer now',
  504: 'The service did not answer in time',
};

/** Headers a problem carries, by status. */
const PROBLEM_HEADERS: Readonly<Record<number, Record<string, z.ZodType>>> = {
  401: { 'WWW-Authenticate': wwwAuthenticateHeader },
  429: { 'Retry-After': retryAfterHeader },
  503: { 'Retry-After': retryAfterHeader.optional() },
};

/** One object per status: zod-openapi registers a response component by its identity. */
const problemResponseByStatus = new Map<number, ZodOpenApiResponseObject>();

function problemResponse(status: number): ZodOpenApiResponseObject {
  let response = problemResponseByStatus.get(status);
  if (!response) {
    response = {
      id: `Problem${status}`, // one component per status, referenced by every operation that answers it
      description: MEANINGS[status] ?? `Problem (${status})`,
      headers: responseHeaders(PROBLEM_HEADERS[status]),
      content: { 'application/problem+json': { schema: problemSchema } },
    };
    problemResponseByStatus.set(status, response);
  }
  return response;
}

/** A problem+json answer for each status given. */
export function problemResponses(...statuses: number[]): Record<string, ZodOpenApiResponseObject> {
  return Object.fromEntries(statuses.map((status) => [String(status), problemResponse(status)]));
}

/** The answers of every POST, PUT or PATCH, which takes JSON only (services/kit/http/app.ts). */
export const JSON_BODY_STATUSES = [400, 413, 415] as const;
/** What any route can answer at the edge or when the platform fails. */
const EDGE_STATUSES = [408, 429, 500, 502, 503, 504] as const;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** A service's part of an operation: the rest (tags, security, shared answers) comes from its route. */
export interface OperationSpec extends Omit<ZodOpenApiOperationObject, 'tags' | 'security' | 'responses'> {
  readonly operationId: string;
  readonly summary: string;
  /** The success answers; give them `headers: responseHeaders(…)` for what they set beyond `x-request-id`. */
  readonly responses: Record<string, ZodOpenApiResponseObject>;
  /** Problems the service raises on this route beyond those every route of its kind has. */
  readonly problems?: readonly number[];
}

function operation(route: RouteDefinition, tag: string, spec: OperationSpec): ZodOpenApiOperationObject {
  const { problems = [], responses, ...rest } = spec;
  const statuses = new Set<number>([
    ...problems,
    ...(route.auth === 'public' ? [] : [401]),
    ...(route.auth === 'admin' ? [403] : []),
    ...(BODY_METHODS.has(route.method) ? JSON_BODY_STATUSES : []),
    ...EDGE_STATUSES,
  ]);
  return {
    ...rest,
    tags: [tag],
    security: route.auth === 'public' ? [] : [{ [BEARER]: [...route.scopes] }],
    responses: { ...responses, ...problemResponses(...[...statuses].sort((a, b) => a - b)) },
  };
}

/**
 * The `paths` of a service's document: one operation per route of `routes` but the document's own, keyed `METHOD /path` as in the
 * route table. Throws when a route has no operation or an operation no route.
 */
export function documentedPaths(routes: readonly RouteDefinition[], tag: string, specs: Readonly<Record<string, OperationSpec>>): ZodOpenApiPathsObject {
  const byKey = new Map(routes.filter((route) => !isDocumentRoute(route)).map((route) => [routeKey(route), route]));
  const undocumented = [...byKey.keys()].filter((key) => !(key in specs));
  const unrouted = Object.keys(specs).filter((key) => !byKey.has(key));
  if (undocumented.length > 0 || unrouted.length > 0) {
    // Where each side is fixed: the error ends a service's start, or a test, far from either file.
    const service = routes[0]?.service ?? tag;
    const problems = [
      ...(undocumented.length > 0 ? [`undocumented routes [${undocumented.join(', ')}] (add an operation under that key to services/${service}/entry-points/http/openapi.ts)`] : []),
      ...(unrouted.length > 0 ? [`operations without a route [${unrouted.join(', ')}] (add the route to services/contracts/routes.ts, or remove the operation)`] : []),
    ];
    throw new Error(`OpenAPI and the route table disagree: ${problems.join('; ')}`);
  }
  const paths: Record<string, Record<string, ZodOpenApiOperationObject>> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const route = byKey.get(key)!;
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, tag, spec);
  }
  return paths;
}

/** A `GET …/openapi.json` route serves the document, which does not describe itself (the gateway's docs.ts lists these). */
export function isDocumentRoute(route: Pick<RouteDefinition, 'method' | 'path'>): boolean {
  return route.method === 'GET' && route.path.endsWith('/openapi.json');
}

/** `?limit=&cursor=` of list routes, as parsePageQuery (pagination.ts) reads them; any other parameter is a 400. */
export const pageQuery = z.strictObject({
  limit: z.number().int().min(1).max(100).default(20).optional().meta({ description: 'Items per page' }),
  cursor: z.string().max(512).optional().meta({ description: 'The `nextCursor` of the previous page, as given' }),
});

/** `{ content: { 'application/json': { schema } } }`. */
export const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
