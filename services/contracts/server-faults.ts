/**
 * The log lines a service writes about its requests (HTTP, when one failed) and calls (gRPC, each one), as the CDK
 * app counts them. A CloudWatch Logs metric filter on each service's log group counts the lines marked `fault: true`,
 * a failure of the service itself: a 500 (a bug), or a statement stopped at its time limit (a slow query, answered
 * 503). Not a dependency being down (503), which a rollback would not cure. A deployment whose new tasks write too many rolls back
 * (lib/constructs/server-fault-alarm.ts). Both sides read these names from here.
 */
export const REQUEST_LOG = {
  /** pino's `msg` of the HTTP error handler's line. */
  message: 'request failed',
  /** pino's `msg` of every gRPC call's line (services/kit/grpc/log-calls.ts), which the alarm also counts as calls. */
  rpcMessage: 'rpc',
  /** The field that is `true` on a line the alarm counts. */
  faultField: 'fault',
  /** The field holding the answer's HTTP status. */
  statusField: 'status',
  /** The field holding the service's name (the logger's `service`, as in SERVICES). */
  serviceField: 'service',
} as const;
