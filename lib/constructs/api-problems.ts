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

const problem = (type: ResponseType, status: number, title: string, headers?: Readonly<Record<string, string>>): GatewayProblem =>
  ({ type, status, title, ...(headers ? { headers } : {}) });

/**
 * Every response type API Gateway documents, each with its own status code (the body must state the same one),
 * except MISSING_AUTHENTICATION_TOKEN: a REST API answers an unknown path or method with it, 403 by default; here
 * it is the contract's 404 (a wrong method on a path of the table is a 405 mock instead: api-wrong-methods.ts). DEFAULT_4XX/5XX are left alone: overriding their status would change every type
 * they stand for. THROTTLED gets its `Retry-After` from the caller. REQUEST_TOO_LARGE (a body over 10 MB) is left
 out: API Gateway does not support customizing it ("API Gateway known issues"), so a template there would be a
 promise the deployed API does not keep; such a client gets API Gateway's own `413 {"message": …}`.
 */
export const GATEWAY_PROBLEMS: readonly GatewayProblem[] = [
  problem(ResponseType.MISSING_AUTHENTICATION_TOKEN, 404, 'Not Found'),
  problem(ResponseType.RESOURCE_NOT_FOUND, 404, 'Not Found'),
  problem(ResponseType.UNAUTHORIZED, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer' }),
  problem(ResponseType.ACCESS_DENIED, 403, 'Forbidden'),
  problem(ResponseType.WAF_FILTERED, 403, 'Forbidden'),
  problem(ResponseType.EXPIRED_TOKEN, 403, 'Forbidden'),
  problem(ResponseType.INVALID_SIGNATURE, 403, 'Forbidden'),
  problem(ResponseType.INVALID_API_KEY, 403, 'Forbidden'),
  problem(ResponseType.THROTTLED, 429, 'Too Many Requests'),
  problem(ResponseType.QUOTA_EXCEEDED, 429, 'Too Many Requests'),
  problem(ResponseType.BAD_REQUEST_BODY, 400, 'Bad Request'),
  problem(ResponseType.BAD_REQUEST_PARAMETERS, 400, 'Bad Request'),
  problem(ResponseType.UNSUPPORTED_MEDIA_TYPE, 415, 'Unsupported Media Type'),
  problem(ResponseType.API_CONFIGURATION_ERROR, 500, 'Internal Server Error'),
  problem(ResponseType.AUTHORIZER_CONFIGURATION_ERROR, 500, 'Internal Server Error'),
  problem(ResponseType.AUTHORIZER_FAILURE, 500, 'Internal Server Error'),
  problem(ResponseType.INTEGRATION_FAILURE, 504, 'Gateway Timeout'),
  problem(ResponseType.INTEGRATION_TIMEOUT, 504, 'Gateway Timeout'),
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
    // no-store: as every problem the services and the local gateway answer (services/kit/http/problem.ts).
    const headers = { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store', ...problem.headers, ...retry, ...(corsOrigin ? { 'Access-Control-Allow-Origin': corsOrigin } : {}) };
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
