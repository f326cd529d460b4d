/**
 * problem+json answers the gateway gives itself, on bare node:http (the platform's sendProblem is Express's).
 * The body has the same shape and type URIs as the services' problems, so a client cannot tell who answered.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { AppError } from '../platform/errors';
import { PROBLEM_CONTENT_TYPE, problemType } from '../platform/http/problem';

export function writeProblem(
  res: ServerResponse,
  error: AppError,
  instance: string,
  requestId: string,
  own: OutgoingHttpHeaders,
): void {
  const body = JSON.stringify({
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.message,
    instance,
    requestId,
    ...(error.errors ? { errors: error.errors } : {}),
  });
  const headers: OutgoingHttpHeaders = {
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
  tooLarge: (maxBytes: number) =>
    new AppError(413, 'payload-too-large', {
      detail: `The request body is larger than ${maxBytes} bytes.`,
      // The rest of the body is not read: the connection cannot be reused.
      headers: { Connection: 'close' },
    }),
  throttled: (retryAfterSeconds: number) =>
    new AppError(429, 'too-many-requests', {
      detail: 'Too many requests; slow down and retry later.',
      headers: { 'Retry-After': String(retryAfterSeconds) },
    }),
  unavailable: (service: string, cause?: unknown) =>
    AppError.unavailable(`The ${service} service cannot be reached right now.`, 1, cause),
  badGateway: (service: string, cause?: unknown) =>
    new AppError(502, 'bad-gateway', { detail: `The ${service} service did not answer properly.`, cause }),
  timeout: (service: string, ms: number, cause?: unknown) =>
    new AppError(504, 'gateway-timeout', { detail: `The ${service} service did not answer within ${ms} ms.`, cause }),
  internal: () => new AppError(500, 'internal', { detail: 'Something went wrong on our side.' }),
};
