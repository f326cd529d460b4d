import type { ErrorRequestHandler, RequestHandler } from 'express';
import { REQUEST_LOG } from '../../contracts/server-faults';
import { isDatabaseUnavailable, isStatementTimeout } from '../db/unavailable';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { sendProblem } from './problem';

/** A body the client stopped sending: nothing is wrong on our side, and nobody is left to read an answer. */
export const REQUEST_ABORTED = 'request-aborted';

/** The `type`s of the errors the JSON parser's check throws (services/kit/http/app.ts): bytes, or a charset, not UTF-8. */
export const NOT_UTF8 = 'entity.not.utf8';
export const NOT_UTF8_CHARSET = 'charset.not.utf8';

/** The 415 answer: the body of a JSON route is not UTF-8 JSON. */
export const unsupportedMediaType = (detail = 'Send the body as application/json (UTF-8).', headers: Record<string, string> = {}) =>
  new AppError(415, 'unsupported-media-type', { detail, headers: { Accept: 'application/json', ...headers } });

/**
 * The 415 answer to a body in a content coding the services do not take (json-body.ts, CONTENT_CODINGS), with the
 * codings they do take in `Accept-Encoding`, as RFC 9110 (§15.5.16) asks, so a client can switch without parsing
 * the detail.
 */
export const unsupportedContentCoding = () =>
  unsupportedMediaType('Send the body as application/json in UTF-8, without a content encoding other than gzip, deflate or br.', { 'Accept-Encoding': 'gzip, deflate, br' });

/** The 413 answer to a body over the services' limit (app.ts, JSON_BODY_LIMIT_BYTES). */
export const bodyTooLarge = () => new AppError(413, 'body-too-large', { detail: 'The request body is larger than 1 MiB.' });

/** What a JSON value is, as a client would name it: `[]` is an array, not the object JavaScript calls it. */
const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

/**
 * The 400 answer to a body that is JSON but no object (`[]`, `[{…}]`, `null`, `"x"`, `1`): every route's body is
 * one. Said once for the whole body, rather than as the first field check failing on it.
 */
export const notAnObject = (body: unknown) =>
  AppError.validation([{ path: '(body)', message: 'must be a JSON object' }], `The request body must be a JSON object, not ${kindOf(body)}.`);

/**
 * The 400 answer to a route that needs a body and got none (no bytes, with or without a Content-Type): said as
 * such, rather than as the schema's "expected object, received undefined".
 */
export const missingBody = () =>
  AppError.validation([{ path: '(body)', message: 'must be a JSON object' }], 'The request body is missing: send a JSON object (Content-Type: application/json).');

/** body-parser (and raw-body under it) marks its errors with `type`; map them onto problems a client can act on. */
function fromBodyParser(error: { type?: unknown; status?: unknown; expose?: unknown }): AppError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return AppError.badRequest('The request body is not valid JSON.', 'malformed-json');
    case NOT_UTF8_CHARSET:
      return unsupportedMediaType('Send the body as application/json in UTF-8 (charset=utf-8, or none).');
    case NOT_UTF8:
      return AppError.badRequest('The request body is not valid UTF-8.', 'malformed-json');
    case 'entity.too.large':
      return bodyTooLarge();
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return unsupportedContentCoding();
    case 'request.aborted':
      return new AppError(400, REQUEST_ABORTED, { detail: 'The client closed the connection before the body arrived.' });
    case 'request.size.invalid':
      return AppError.badRequest('The request body does not have the length its Content-Length declares.');
    default:
      // Any other client error body-parser reports (a gzip body that does not inflate, …) is still the client's.
      return error.expose === true && typeof error.status === 'number' && error.status >= 400 && error.status < 500
        ? AppError.badRequest('The request body cannot be read.')
        : undefined;
  }
}

/** The router could not percent-decode a path parameter (`/products/%ff`): such a path names no resource. */
function undecodablePath(error: unknown, path: string): AppError | undefined {
  if (!(error instanceof URIError) || (error as { status?: unknown }).status !== 400) return undefined;
  return AppError.notFound(`No resource matches ${path}: it is not valid percent-encoded UTF-8.`);
}

/**
 * A bare ZodError is not mapped: a client's input is checked by parseInput, which throws the 400 itself, so one that
 * gets here is a check of the server's own data failing (an event it produces, the services' data-access/
 * outgoing-events-outbox.ts): a 500 fault for the alarm, not a 400 telling the client its request was wrong.
 */
export function toAppError(error: unknown, path = ''): AppError | undefined {
  if (error instanceof AppError) return error;
  if (isDatabaseUnavailable(error)) return AppError.unavailable('The service\'s database cannot be reached right now; retry shortly.', 1, error);
  if (typeof error === 'object' && error !== null) return undecodablePath(error, path) ?? fromBodyParser(error);
  return undefined;
}

/** The one error handler: every error leaves as problem+json, and only 5xx get a stack trace in the log. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = toAppError(error, req.path);
    const problem = known ?? new AppError(500, 'internal', { detail: 'Something went wrong on our side.' });
    const log = { err: error, requestId: res.locals.requestId, method: req.method, url: req.originalUrl };
    if (problem.status >= 500) {
      const fault = problem.status === 500 || isStatementTimeout(error);
      logger.error({ ...log, [REQUEST_LOG.statusField]: problem.status, ...(fault ? { [REQUEST_LOG.faultField]: true } : {}) }, REQUEST_LOG.message);
    }
    else if (problem.code === REQUEST_ABORTED) logger.info({ ...log, err: undefined }, 'client aborted the request body');
    else logger.debug({ ...log, err: undefined, code: problem.code }, 'request rejected');
    if (res.headersSent || req.socket.destroyed) {
      res.destroy();
      return;
    }
    sendProblem(res, problem, req.originalUrl);
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(AppError.notFound(`No route matches ${req.method} ${req.path}.`));
};
