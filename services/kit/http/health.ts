import { Router } from 'express';
import { AppError } from '../errors';
import { sendProblem } from './problem';

export type ReadinessCheck = () => Promise<boolean>;

/** Thrown by a readiness check whose reason may be told (the detail of the 503); any other failure is not. */
export class NotReady extends Error {}

/** Not ready while migrations run; then as `check` says. */
export function readyAfter(migrations: { readonly done: () => boolean }, check: ReadinessCheck): ReadinessCheck {
  return async () => {
    if (!migrations.done()) throw new NotReady('Migrations are running.');
    return check();
  };
}

/**
 * Liveness says the process runs (from its first second, migrations or not); readiness says it can serve, so load
 * balancers only route to ready tasks.
 */
export const HEALTH_PATHS = { live: '/health/live', ready: '/health/ready' } as const;

export function healthRoutes(ready: ReadinessCheck): Router {
  const router = Router();
  router.get(HEALTH_PATHS.live, (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get(HEALTH_PATHS.ready, async (req, res) => {
    const reason = await ready().then(
      (ok) => (ok ? undefined : 'The database does not answer.'),
      (error: unknown) => (error instanceof NotReady ? error.message : 'The database does not answer.'),
    );
    // Answered here, not thrown: not being ready is a state the prober reads, not a failed request to log (a
    // launcher or balancer polling a migrating service would fill the log with errors).
    if (reason) sendProblem(res, new AppError(503, 'not-ready', { detail: reason, headers: { 'Retry-After': '5' } }), req.originalUrl);
    else res.json({ status: 'ok' });
  });
  return router;
}
