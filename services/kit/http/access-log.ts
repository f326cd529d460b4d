import type { RequestHandler } from 'express';
import type { Logger } from '../logger';
import { HEALTH_PATHS } from '../../contracts/services';

/** Probes: the load balancer's every 5 s, the container's every 10 s, `npm start`'s every 20 ms while starting. */
const PROBES: ReadonlySet<string> = new Set(Object.values(HEALTH_PATHS));

/**
 * One line per request, finished or not: written on 'close', which also comes when the client (or the gateway,
 * for a client that left it) goes before the answer. Such a request may still have been carried out (a sign-in
 * checked against Cognito), so it is logged too, with `aborted: true` and, when nothing was sent, no status.
 * pino-http would also build a child logger per request; nothing here needs one,
 * because the logger's mixin already stamps the request id from the request context. Health probes log at
 * debug: at info they would be most of the log (a cold `npm start` printed some 240 of them).
 */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const aborted = !res.writableFinished;
      const principal = res.locals.principal as { sub?: string } | undefined;
      const level = PROBES.has(req.originalUrl.split('?', 1)[0]!) ? 'debug' : 'info';
      logger[level](
        {
          requestId: res.locals.requestId,
          method: req.method,
          url: req.originalUrl,
          status: res.headersSent ? res.statusCode : null,
          ms: Math.round(ms * 10) / 10,
          ...(principal?.sub ? { sub: principal.sub } : {}),
          ...(aborted ? { aborted } : {}),
        },
        'request',
      );
    });
    next();
  };
}
