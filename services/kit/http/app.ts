import { isUtf8 } from 'node:buffer';
import type { IncomingHttpHeaders } from 'node:http';
import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from '../logger';
import { bodyTooLarge, errorHandler, NOT_UTF8, NOT_UTF8_CHARSET, notFound, toAppError, unsupportedContentCoding, unsupportedMediaType } from './error-handler';
import { healthRoutes, type ReadinessCheck, type StartedCheck } from './health';
import { framingProblem } from './message-framing';
import { answerMethodNotAllowed } from './method-not-allowed';
import { accessLog } from './access-log';
import { declaresMoreThan, JSON_BODY_LIMIT_BYTES } from './body-limit';
import { requestId } from './request-id';
import { securityHeaders } from './security-headers';
import { UnreadableBody } from './unreadable-body';

export interface HttpAppOptions {
  readonly logger: Logger;
  /** The service's routes; 405 answers are derived from them. */
  readonly routes: Router;
  /** Answers whether the service can take traffic (its database answers). */
  readonly ready: ReadinessCheck;
  /**
   * Whether it has finished starting (migrations ran): `/health/started`, the deployed balancer's check. Required:
   * a default of "always" would send a task traffic before its migrations, unnoticed.
   */
  readonly started: StartedCheck;
  /** Per-request access log lines. @default true */
  readonly accessLog?: boolean;
}


/** The media types read as JSON; a body of any other type on a route that takes one answers 415. */
const JSON_TYPES = ['application/json', 'application/*+json'];
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The content codings a body may come in: the ones the gateway undoes too, to read the account a sign-in names
 * (gateway/credential-body.ts). body-parser 2.4 also inflates zstd wherever node:zlib has it (Node 22.15 and
 * later): such a sign-in counted in the gateway's one shared account for unreadable bodies, while Identity read the
 * e-mail in it and checked the password.
 */
const CONTENT_CODINGS = new Set(['identity', 'gzip', 'deflate', 'br']);
const contentCoding = (headers: IncomingHttpHeaders) => (headers['content-encoding'] ?? 'identity').toLowerCase();

/** An empty body (`Content-Length: 0`, as clients send on a bodiless POST) counts as none. */
const hasBody = (headers: IncomingHttpHeaders) =>
  headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');

/** Several or malformed Host headers, a transfer coding other than chunked: 400 before anything reads the body. */
const requireSoundFraming: RequestHandler = (req, _res, next) => {
  const problem = framingProblem(req);
  if (problem) throw problem;
  next();
};

/**
 * JSON in UTF-8 only (RFC 8259 §8.1), checked where body-parser has read the charset it would decode with (its
 * own reading of Content-Type: a second parser could disagree, `charset = utf-16le` for one). Without this it
 * decodes UTF-16 and UTF-32 too: a sign-in the gateway cannot read (it reads UTF-8, as AWS WAF does) would still be
 * answered, past the per-account limits. Bytes that are not UTF-8 are refused, not read as U+FFFD and stored.
 */
function requireUtf8(_req: unknown, _res: unknown, body: Buffer, charset: string): void {
  if (charset !== 'utf-8') throw Object.assign(new Error(`charset ${charset}`), { type: NOT_UTF8_CHARSET });
  if (!isUtf8(body)) throw Object.assign(new Error('the body is not UTF-8'), { type: NOT_UTF8 });
}

const jsonParser = express.json({ limit: JSON_BODY_LIMIT_BYTES, strict: true, type: JSON_TYPES, verify: requireUtf8 });

/**
 * Reads a JSON body. One that cannot be taken is kept as an UnreadableBody, answered by the route after its guard
 * (unreadable-body.ts). Every route that takes a body takes JSON: without the type check, a form or text body would
 * reach the route as no body at all, and the client would get a puzzling 400 about a missing object.
 */
const readJsonBody: RequestHandler = (req, res, next) => {
  if (BODY_METHODS.has(req.method) && hasBody(req.headers) && !req.is(JSON_TYPES)) {
    req.body = new UnreadableBody(unsupportedMediaType());
    return next();
  }
  // Only where body-parser would inflate it (a JSON body), compared as it does: lower-cased, the whole header.
  if (hasBody(req.headers) && req.is(JSON_TYPES) && !CONTENT_CODINGS.has(contentCoding(req.headers))) {
    req.body = new UnreadableBody(unsupportedContentCoding());
    return next();
  }
  // Refused unread: body-parser would read a declared oversize body to its end (up to its deadline) before its 413.
  // Node drops the rest of it once the answer is out. Only without a content coding, where the length is the body's.
  if (contentCoding(req.headers) === 'identity' && declaresMoreThan(req.headers, JSON_BODY_LIMIT_BYTES)) {
    req.body = new UnreadableBody(bodyTooLarge());
    return next();
  }
  jsonParser(req, res, (error?: unknown) => {
    if (error === undefined) return next();
    const problem = toAppError(error);
    if (!problem) return next(error);
    req.body = new UnreadableBody(problem);
    next();
  });
};

/**
 * The Express app every service shares: request ids, security headers, a strict JSON parser, health routes,
 * problem+json for every error. It does not listen; `serve()` does, so tests need no port.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', true);
  app.set('query parser', 'simple');

  app.use(requestId);
  if (options.accessLog !== false) app.use(accessLog(options.logger));
  app.use(securityHeaders());
  app.use(requireSoundFraming);
  app.use(readJsonBody);

  app.use(answerMethodNotAllowed(healthRoutes(options.ready, options.started)));
  app.use(answerMethodNotAllowed(options.routes));

  app.use(notFound);
  app.use(errorHandler(options.logger));
  return app;
}
