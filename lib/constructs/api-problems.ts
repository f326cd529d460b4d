/**
 * The REST API's own answers (no route, no token, wrong scope, throttled, WAF block, integration failure) in the
 * same application/problem+json shape the services and the local gateway answer, instead of API Gateway's
 * `{"message": …}`. Helpers for lib/constructs/api.ts.
 */
import { ResponseType, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { Throttle } from '../../services/contracts/routes';

interface GatewayProblem {
  readonly type: ResponseType;
  readonly status: number;
  readonly title: string;
  /** Static response headers (name → value), on top of the content type. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Only the types a client meets. A REST API answers an unknown path or method with MISSING_AUTHENTICATION_TOKEN
 * (403 by default): it is a 404 here, as in the contract. THROTTLED gets its `Retry-After` from the caller.
 */
export const GATEWAY_PROBLEMS: readonly GatewayProblem[] = [
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, status: 404, title: 'Not Found' },
  { type: ResponseType.UNAUTHORIZED, status: 401, title: 'Unauthorized', headers: { 'WWW-Authenticate': 'Bearer' } },
  { type: ResponseType.ACCESS_DENIED, status: 403, title: 'Forbidden' },
  { type: ResponseType.THROTTLED, status: 429, title: 'Too Many Requests' },
  { type: ResponseType.WAF_FILTERED, status: 403, title: 'Forbidden' },
  { type: ResponseType.REQUEST_TOO_LARGE, status: 413, title: 'Content Too Large' },
  { type: ResponseType.INTEGRATION_TIMEOUT, status: 504, title: 'Gateway Timeout' },
  { type: ResponseType.DEFAULT_4XX, status: 400, title: 'Bad Request' },
  { type: ResponseType.DEFAULT_5XX, status: 502, title: 'Bad Gateway' },
];

/**
 * The body template. `$context.error.messageString` is API Gateway's message already quoted as a JSON string;
 * the request id is a UUID. The path is left out on purpose: it is the caller's text, and a gateway response
 * template cannot escape it into JSON.
 */
export function problemTemplate(problem: GatewayProblem): string {
  return JSON.stringify({ type: 'about:blank', title: problem.title, status: problem.status, detail: '@DETAIL@', instance: 'urn:uuid:$context.requestId', requestId: '$context.requestId' })
    .replace('"@DETAIL@"', '$context.error.messageString');
}

/**
 * Adds every problem response to the API. A throttled request is told to retry after `retryAfterSeconds`;
 * `corsOrigin` (one origin or `*`) is echoed on every answer when set.
 */
export function addGatewayProblems(api: RestApi, retryAfterSeconds: number, corsOrigin?: string): void {
  for (const problem of GATEWAY_PROBLEMS) {
    const retry = problem.type === ResponseType.THROTTLED ? { 'Retry-After': String(retryAfterSeconds) } : {};
    const headers = { 'Content-Type': 'application/problem+json', ...problem.headers, ...retry, ...(corsOrigin ? { 'Access-Control-Allow-Origin': corsOrigin } : {}) };
    api.addGatewayResponse(`Problem${problem.type.responseType}`, {
      type: problem.type,
      statusCode: String(problem.status),
      // Static header values are single-quoted in API Gateway's mapping syntax.
      responseHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, `'${value}'`])),
      templates: { 'application/json': problemTemplate(problem) },
    });
  }
}

/**
 * What a throttled client is told to wait: the time one token takes to come back in the slowest bucket of the
 * stage (API Gateway's 429 cannot say which bucket refused), at least 1 s; 60 s when a bucket is closed.
 */
export function retryAfterSeconds(throttles: readonly Throttle[]): number {
  const slowest = Math.min(...throttles.map((throttle) => throttle.rateLimit));
  return slowest > 0 ? Math.max(1, Math.ceil(1 / slowest)) : 60;
}
