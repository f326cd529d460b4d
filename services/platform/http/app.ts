import express, { type Express, type Router } from 'express';
import type { Logger } from '../logger';
import { errorHandler, notFound } from './error-handler';
import { healthRoutes, type ReadinessCheck } from './health';
import { answerMethodNotAllowed } from './method-not-allowed';
import { accessLog } from './access-log';
import { requestId } from './request-id';
import { securityHeaders } from './security-headers';

export interface HttpAppOptions {
  readonly logger: Logger;
  /** The service's routes; 405 answers are derived from them. */
  readonly routes: Router;
  /** Answers whether the service can take traffic (its database answers). */
  readonly ready: ReadinessCheck;
  /** Per-request access log lines. @default true */
  readonly accessLog?: boolean;
}

/** JSON bodies above this are refused with 413 before they are buffered whole. */
export const JSON_BODY_LIMIT = '1mb';

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
  app.use(express.json({ limit: JSON_BODY_LIMIT, strict: true, type: ['application/json', 'application/*+json'] }));

  app.use(healthRoutes(options.ready));
  app.use(answerMethodNotAllowed(options.routes));

  app.use(notFound);
  app.use(errorHandler(options.logger));
  return app;
}
