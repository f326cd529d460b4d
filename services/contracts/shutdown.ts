/**
 * How a service stops, as both sides see it: the service (SHUTDOWN_DELAY_SECONDS in its config,
 * services/kit/http/pre-stop.ts) and the CDK construct that sets the delay and the container's stopTimeout
 * (lib/constructs/microservice.ts).
 */

/**
 * The largest pre-stop delay. Fargate kills a task at most 120 s after its SIGTERM (its largest stopTimeout, and
 * all a Spot interruption gives); a longer delay would leave less than a minute to drain the requests and let the
 * consumer's running handlers finish.
 */
export const MAX_SHUTDOWN_DELAY_SECONDS = 60;

/** How long a closing server lets in-flight requests (and gRPC calls) finish before cutting their connections. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** Fargate's largest stopTimeout: SIGKILL follows SIGTERM after at most this long. */
export const FARGATE_MAX_STOP_TIMEOUT_SECONDS = 120;

/**
 * A consumer's handler still running after this long has its message given back, as a failure
 * (services/kit/bus/consumer.ts). Here because a task's stopTimeout leaves room for it too. The heartbeat keeps a
 * running handler's message invisible, and its batch's poller waits for it: a handler that never returns would hold
 * its message, the finished messages of its batch (deleted only with it) and the events behind them, with no line
 * said: one waiting on a call that never answers, or on a database connection gone silent through a pool that does
 * not give such connections up (a service's does after 45 s, services/kit/db/pool.ts; TCP alone waits about 15
 * minutes). The database bounds a healthy handler far below this: 20 s per statement, 1 minute idle in a
 * transaction (services/kit/db/provision.ts).
 */
export const DEFAULT_HANDLER_TIMEOUT_SECONDS = 120;
