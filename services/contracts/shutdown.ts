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
 * (services/kit/bus/consumer.ts). Here because a task's stopTimeout leaves room for it too.
 */
export const DEFAULT_HANDLER_TIMEOUT_SECONDS = 120;
