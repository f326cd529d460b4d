import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from '../logger';
import { errorHandler, notFound } from './error-handler';
import { healthRoutes, type ReadinessCheck, type StartedCheck } from './health';
import { framingProblem } from './message-framing';
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
  /**
   * Whether it has finished starting (migrations ran): `/health/started`, the deployed balancer's check. Required:
   * a default of "always" would send a task traffic before its migrations, unnoticed.
   */
  readonly started: StartedCheck;
  /** Per-request access log lines. @default true */
  readonly accessLog?: boolean;
}

/** Several or malformed Host headers, a transfer coding other than chunked: 400 before anything reads the body. */
const requireSoundFraming: RequestHandler = (req, _res, next) => {
  const problem = framingProblem(req);
  if (problem) throw problem;
  next();
};

/**
 * The Express app every service shares: request ids, security headers, health routes, problem+json for every
 * error. It reads no body: a route does, after its guard (json-body.ts), so an anonymous request to a guarded route
 * is answered 401 without its body being waited for or parsed. It does not listen; `serve()` does, so tests need no
 * port.
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

  app.use(answerMethodNotAllowed(healthRoutes(options.ready, options.started)));
  app.use(answerMethodNotAllowed(options.routes));

  app.use(notFound);
  app.use(errorHandler(options.logger));
  return app;
}
