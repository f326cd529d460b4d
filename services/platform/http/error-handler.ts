import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { sendProblem } from './problem';
import { toFieldErrors } from './validate';

/** body-parser marks its errors with `type` and an HTTP status; map them onto problems a client can act on. */
function fromBodyParser(error: { type?: unknown; status?: unknown }): AppError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return AppError.badRequest('The request body is not valid JSON.', 'malformed-json');
    case 'entity.too.large':
      return new AppError(413, 'body-too-large', { detail: 'The request body is larger than 1 MiB.' });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError(415, 'unsupported-media-type', { detail: 'Send UTF-8 JSON.' });
    default:
      return undefined;
  }
}

export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof ZodError) return AppError.validation(toFieldErrors(error));
  if (typeof error === 'object' && error !== null) return fromBodyParser(error as { type?: unknown });
  return undefined;
}

/** The one error handler: every error leaves as problem+json, and only 5xx get a stack trace in the log. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = toAppError(error);
    const problem = known ?? new AppError(500, 'internal', { detail: 'Something went wrong on our side.' });
    const log = { err: error, requestId: res.locals.requestId, method: req.method, url: req.originalUrl };
    if (problem.status >= 500) logger.error(log, 'request failed');
    else logger.debug({ ...log, err: undefined, code: problem.code }, 'request rejected');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, problem, req.originalUrl);
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(AppError.notFound(`No route matches ${req.method} ${req.path}.`));
};
