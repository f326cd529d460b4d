/**
 * The HTTP deadlines of an AWS SDK client. @smithy/node-http-handler 4.x only logs a warning when a request
 * outlives `requestTimeout`, and lets it run on, unless `throwOnRequestTimeout` is set: without it, a hung Cognito,
 * SNS or SQS connection would hold a signup's lease, an outbox batch or a consumer's poll forever.
 */
export interface RequestDeadlines {
  /** Opening the connection. */
  readonly connectMs: number;
  /**
   * Waiting for the answer's headers (requestTimeout), and then for each next chunk of its body (socketTimeout, an
   * idle time: node-http-handler clears requestTimeout once the headers are in, so a body that stalls needs both).
   */
  readonly requestMs: number;
}

/** The `requestHandler` options for a client constructor: the deadlines, enforced. */
export function requestHandlerWith({ connectMs, requestMs }: RequestDeadlines) {
  return { connectionTimeout: connectMs, requestTimeout: requestMs, socketTimeout: requestMs, throwOnRequestTimeout: true } as const;
}
