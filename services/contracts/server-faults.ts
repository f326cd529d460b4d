/**
 * The log lines a service writes for each request (HTTP) or call (gRPC) that failed on its own side, as the CDK app
 * counts them. A CloudWatch Logs metric filter on each service's log group counts the lines with `status` 500 (a
 * fault of the service: a bug), not 503 (a dependency down, which a rollback would not cure), and a deployment whose
 * new tasks write too many of them rolls back (lib/constructs/server-fault-alarm.ts). Both sides read these names
 * from here.
 */
export const FAILED_REQUEST_LOG = {
  /** pino's `msg` of the HTTP error handler's line. */
  message: 'request failed',
  /** pino's `msg` of the gRPC call's line (services/kit/grpc/log-calls.ts), which says 500 for a server fault. */
  rpcMessage: 'rpc',
  /** The field holding the answer's HTTP status. */
  statusField: 'status',
  /** The field holding the service's name (the logger's `service`, as in SERVICES). */
  serviceField: 'service',
} as const;

/** The status the metric filter counts. */
export const SERVER_FAULT_STATUS = 500;
