/** RFC 9457 problem details: the only shape an error ever leaves a service in. */
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import type { AppError } from '../errors';
import { securityHeaderFields } from './security-headers';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Stable, non-resolvable problem type URIs; docs/problems.md lists every code. */
export const problemType = (code: string): string => `urn:problem-type:platform:${code}`;

/** The JSON text of a problem; the gateway and the services' raw error answers use it too. */
export function problemBody(error: AppError, instance: string, requestId: string): string {
  return JSON.stringify({
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.message,
    instance,
    requestId,
    ...(error.errors ? { errors: error.errors } : {}),
  });
}

export function sendProblem(res: Response, error: AppError, instance: string): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  // As the raw answers below and the gateway's own: an error is never a resource to keep, and a 404 or 400
  // cached by a proxy would outlive the product or the fix. Only routes behind sign-in set it before.
  res.setHeader('Cache-Control', 'no-store');
  res
    .status(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(error, instance, res.locals.requestId as string));
}

/**
 * The header fields of a problem answer given outside an app (by node:http's own events, or as raw text): the
 * security headers, the problem's own headers, its type and length, `no-store`, and the request id.
 */
export function problemAnswerFields(error: AppError, requestId: string, body: string): Record<string, string | number> {
  return {
    ...securityHeaderFields(),
    ...(error.headers as Record<string, string>),
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-request-id': requestId,
  };
}

/**
 * The whole HTTP/1.1 answer as text, for a socket node:http no longer answers itself (bytes that are not HTTP, a
 * refused connection, a CONNECT): status line, security headers, the problem's own headers, `Connection: close`,
 * and the problem body.
 */
export function rawProblemAnswer(error: AppError, instance: string, requestId: string): string {
  const body = problemBody(error, instance, requestId);
  const fields = { ...problemAnswerFields(error, requestId, body), connection: 'close' };
  const head = Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? error.title}\r\n${head}\r\n${body}`;
}
