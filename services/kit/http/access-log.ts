import type { RequestHandler } from 'express';
import type { Logger } from '../logger';

/**
 * One line per finished request. pino-http would also build a child logger per request; nothing here needs one,
 * because the logger's mixin already stamps the request id from the request context.
 */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const principal = res.locals.principal as { sub?: string } | undefined;
      logger.info(
        {
          requestId: res.locals.requestId,
          method: req.method,
          url: req.originalUrl,
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
          ...(principal?.sub ? { sub: principal.sub } : {}),
        },
        'request',
      );
    });
    next();
  };
}
