import { Router } from 'express';
import { AppError } from '../errors';

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
export function healthRoutes(ready: ReadinessCheck): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/health/ready', async (_req, res) => {
    const reason = await ready().then(
      (ok) => (ok ? undefined : 'The database does not answer.'),
      (error: unknown) => (error instanceof NotReady ? error.message : 'The database does not answer.'),
    );
    if (reason) throw new AppError(503, 'not-ready', { detail: reason, headers: { 'Retry-After': '5' } });
    res.json({ status: 'ok' });
  });
  return router;
}
