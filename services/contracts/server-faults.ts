/**
 * The log line a service writes for each request that failed on its own side, as the CDK app counts it. A
 * CloudWatch Logs metric filter on each service's log group counts the lines with `status` 500 (a fault of the
 * service: a bug), not 503 (a dependency down, which a rollback would not cure), and a deployment whose new tasks
 * write too many of them rolls back (lib/constructs/microservice.ts). Both sides read these names from here.
 */
export const FAILED_REQUEST_LOG = {
  /** pino's `msg` of the line. */
  message: 'request failed',
  /** The field holding the answer's HTTP status. */
  statusField: 'status',
  /** The field holding the service's name (the logger's `service`, as in SERVICES). */
  serviceField: 'service',
} as const;

/** The status the metric filter counts. */
export const SERVER_FAULT_STATUS = 500;
