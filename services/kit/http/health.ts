import type { Router, Request, Response } from 'express';
import { exactRouter } from './router';
import { HEALTH_PATHS } from '../../contracts/services';
import { AppError } from '../errors';
import { sendProblem } from './problem';

export type ReadinessCheck = () => Promise<boolean>;

/** Thrown by a readiness check whose reason may be told (the detail of the 503); any other failure is not. */
export class NotReady extends Error {}

/** The part of a service's migrations (services/kit/db/migrate.ts) the health routes read. */
export interface RunningMigrations {
  readonly done: () => boolean;
  /** The 503's detail until they are done. */
  readonly whileRunning: string;
}

/** Not ready while migrations run; then as `check` says. */
export function readyAfter(migrations: RunningMigrations, check: ReadinessCheck): ReadinessCheck {
  return async () => {
    startedAfter(migrations)();
    return check();
  };
}

/** Started once the migrations are done (applied, or checked where a deploy step applied them). */
export function startedAfter(migrations: RunningMigrations): StartedCheck {
  return () => {
    if (!migrations.done()) throw new NotReady(migrations.whileRunning);
    return true;
  };
}

/**
 * Whether the service has finished starting: its migrations ran (and whatever else must have started, which may
 * throw NotReady with its reason). It must not follow the database.
 */
export type StartedCheck = () => boolean;

const notReady = (res: Response, req: Request, detail: string) =>
  sendProblem(res, new AppError(503, 'not-ready', { detail, headers: { 'Retry-After': '5' } }), req.originalUrl);

export function healthRoutes(ready: ReadinessCheck, started: StartedCheck): Router {
  const router = exactRouter();
  router.get(HEALTH_PATHS.live, (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get(HEALTH_PATHS.started, (req, res) => {
    let reason: string | undefined;
    try {
      if (!started()) reason = 'It has not finished starting.';
    } catch (error) {
      reason = error instanceof NotReady ? error.message : 'It has not finished starting.';
    }
    if (reason) notReady(res, req, reason);
    else res.json({ status: 'ok' });
  });
  router.get(HEALTH_PATHS.ready, async (req, res) => {
    const reason = await ready().then(
      (ok) => (ok ? undefined : 'The database does not answer.'),
      (error: unknown) => (error instanceof NotReady ? error.message : 'The database does not answer.'),
    );
    // Answered here, not thrown: not being ready is a state the prober reads, not a failed request to log (a
    // launcher or balancer polling a migrating service would fill the log with errors).
    if (reason) notReady(res, req, reason);
    else res.json({ status: 'ok' });
  });
  return router;
}
