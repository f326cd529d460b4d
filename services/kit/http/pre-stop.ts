/**
 * The pre-stop delay (SHUTDOWN_DELAY_SECONDS). In a deploy or a scale-in ECS takes a task out of its target group
 * before it sends SIGTERM; when Fargate Spot takes a task back, SIGTERM comes first, and the load balancer keeps
 * sending it requests until its health check has failed enough times (or the task has stopped). A service that
 * closed its listener at once had those requests refused: 502s until then. With the delay it first answers 503
 * on the balancer's check (/health/started) and on /health/ready, keeps serving everything else (and its gRPC
 * port, consumer and relay run on), and closes only once the balancer has had the time to take it out.
 * /health/live stays 200: the container's health check must not have ECS kill the task meanwhile.
 */
import { HEALTH_PATHS } from '../../contracts/services';
import type { Logger } from '../logger';
import { NotReady, type ReadinessCheck, type StartedCheck } from './health';

export interface PreStop {
  readonly delaySeconds: number;
  /** The started check, failing from SIGTERM on. */
  started(check: StartedCheck): StartedCheck;
  /** The readiness check, failing from SIGTERM on. */
  ready(check: ReadinessCheck): ReadinessCheck;
  /** Fails the checks and resolves once the delay is over: closeOnSignals (serve.ts) calls it on SIGTERM. */
  wait(signal: NodeJS.Signals): Promise<void>;
}

/** The 503's detail during the delay. */
export const STOPPING_DETAIL = 'It is stopping: waiting for the load balancer to take it out of service.';

export function preStop(delaySeconds: number, logger: Logger): PreStop {
  let waiting = false;
  return {
    delaySeconds,
    started: (check) => () => {
      if (waiting) throw new NotReady(STOPPING_DETAIL);
      return check();
    },
    ready: (check) => async () => {
      if (waiting) throw new NotReady(STOPPING_DETAIL);
      return check();
    },
    wait(signal) {
      waiting = true;
      logger.info(
        { signal, delaySeconds },
        `shutting down: answering 503 on ${HEALTH_PATHS.started} and ${HEALTH_PATHS.ready} and waiting ${delaySeconds} s for the load balancer to stop sending requests`,
      );
      return new Promise((resolve) => setTimeout(resolve, delaySeconds * 1_000));
    },
  };
}
