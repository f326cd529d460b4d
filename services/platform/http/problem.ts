/** RFC 9457 problem details: the only shape an error ever leaves a service in. */
import type { Response } from 'express';
import type { AppError } from '../errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Stable, non-resolvable problem type URIs; docs/problems.md lists every code. */
export const problemType = (code: string): string => `urn:problem-type:platform:${code}`;

export function sendProblem(res: Response, error: AppError, instance: string): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res
    .status(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(
      JSON.stringify({
        type: problemType(error.code),
        title: error.title,
        status: error.status,
        detail: error.message,
        instance,
        requestId: res.locals.requestId as string,
        ...(error.errors ? { errors: error.errors } : {}),
      }),
    );
}
