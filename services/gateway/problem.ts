/**
 * problem+json answers the gateway gives itself, on bare node:http (the kit's sendProblem is Express's).
 * The body has the same shape and type URIs as the services' problems, so a client cannot tell who answered.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { AppError } from '../kit/errors';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../kit/http/problem';
import { securityHeaderFields } from '../kit/http/security-headers';

/** The services' security headers (helmet's, from the platform), on every answer the gateway gives itself. */
export const SECURITY_HEADERS: Readonly<OutgoingHttpHeaders> = securityHeaderFields();

export function writeProblem(
  res: ServerResponse,
  error: AppError,
  instance: string,
  requestId: string,
  own: OutgoingHttpHeaders,
): void {
  const body = problemBody(error, instance, requestId);
  const headers: OutgoingHttpHeaders = {
    ...SECURITY_HEADERS,
    ...own,
    ...error.headers,
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  };
  res.writeHead(error.status, headers).end(body);
}

/** Problems only the gateway gives; codes appear in the `type` URI. */
export const gatewayProblems = {
  notFound: (method: string, path: string) =>
    new AppError(404, 'not-found', { detail: `No route matches ${method} ${path}.` }),
  methodNotAllowed: (allow: string) =>
    new AppError(405, 'method-not-allowed', { detail: `This resource supports ${allow}.`, headers: { Allow: allow } }),
  // No `Connection: close`: node would cut the connection as soon as the answer is out, while the client is still
  // sending, and the client would see a reset instead of the 413. The rest of the body is drained (Exchange).
  // The services' own 413 (kit/http/error-handler.ts): at the default limit, the very answer a service gives.
  tooLarge: (maxBytes: number) =>
    new AppError(413, 'body-too-large', { detail: `The request body is larger than ${bytesText(maxBytes)}.` }),
  /**
   * Over API Gateway's own payload limit: the same problem, and the connection closes once it is out (lingering,
   * closing-answer.ts). Draining the rest would read more than the limit only to drop it.
   */
  tooLargeForEdge: (maxBytes: number) =>
    new AppError(413, 'body-too-large', { detail: `The request body is larger than ${bytesText(maxBytes)}.`, headers: { Connection: 'close' } }),
  throttled: (retryAfterSeconds: number) =>
    new AppError(429, 'too-many-requests', {
      detail: 'Too many requests; slow down and retry later.',
      headers: { 'Retry-After': String(retryAfterSeconds) },
    }),
  /** The address's bucket of failed token checks is empty (authorizer.ts): no new token is verified until it refills. */
  tooManyFailedTokens: (retryAfterSeconds: number) =>
    new AppError(429, 'too-many-requests', {
      detail: 'Too many invalid access tokens from this address; no new token is checked until the retry time has passed.',
      headers: { 'Retry-After': String(retryAfterSeconds) },
    }),
  tooManyConnections: (max: number) =>
    new AppError(429, 'too-many-requests', {
      detail: `This client already has ${max} connections open; reuse one of them.`,
      headers: { 'Retry-After': '1' },
    }),
  tooManyInFlight: (max: number) =>
    new AppError(429, 'too-many-requests', {
      detail: `This client already has ${max} requests in flight; wait for their answers.`,
      headers: { 'Retry-After': '1' },
    }),
  /** This client's requests in flight already hold its part of GATEWAY_MAX_BUFFERED_BYTES. */
  tooMuchBuffered: () =>
    new AppError(429, 'too-many-requests', {
      detail: "This client's request bodies in flight already hold its share of the gateway's memory; wait for their answers.",
      headers: { 'Retry-After': '1' },
    }),
  /** The bodies of all clients' requests in flight already hold GATEWAY_MAX_BUFFERED_BYTES. */
  busy: () => AppError.unavailable('The gateway is receiving too many request bodies at once; retry shortly.', 1),
  unavailable: (service: string, cause?: unknown) =>
    AppError.unavailable(`The ${service} service cannot be reached right now.`, 1, cause),
  badGateway: (service: string, cause?: unknown) =>
    new AppError(502, 'bad-gateway', { detail: `The ${service} service did not answer properly.`, cause }),
  timeout: (service: string, ms: number, cause?: unknown) =>
    new AppError(504, 'gateway-timeout', { detail: `The ${service} service did not answer within ${ms} ms.`, cause }),
  internal: () => new AppError(500, 'internal', { detail: 'Something went wrong on our side.' }),
};

/** `1 MiB` for whole mebibytes, as the services word it; else the exact byte count. */
function bytesText(bytes: number): string {
  const mib = 1024 * 1024;
  return bytes % mib === 0 ? `${bytes / mib} MiB` : `${bytes} bytes`;
}
