/** RFC 9457 problem details: the only shape an error ever leaves a service in. */
import type { Response } from 'express';
import type { AppError } from '../errors';

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
  res
    .status(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(error, instance, res.locals.requestId as string));
}
