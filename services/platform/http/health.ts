import { Router } from 'express';
import { AppError } from '../errors';

export type ReadinessCheck = () => Promise<boolean>;

/** Liveness says the process runs; readiness says it can serve, so load balancers only route to ready tasks. */
export function healthRoutes(ready: ReadinessCheck): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/health/ready', async (_req, res) => {
    const ok = await ready().catch(() => false);
    if (!ok) throw new AppError(503, 'not-ready', { detail: 'The database does not answer.', headers: { 'Retry-After': '5' } });
    res.json({ status: 'ok' });
  });
  return router;
}
