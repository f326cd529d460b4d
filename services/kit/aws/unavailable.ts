/**
 * Whether an AWS SDK call failed because the service cannot answer now (down, overloaded, throttling this
 * account, or unreachable) rather than because of what was asked: the first is a 503 a caller may retry, the
 * second is the caller's fault or a bug. The SDK has already retried such failures by the time one surfaces.
 */

/** Throttling answers that AWS models as client faults (HTTP 400). */
const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown']);
/** Errors of a request that never got an answer: refused, reset, timed out, or a name that did not resolve. */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

export function isAwsUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, $fault, $metadata } = error as SdkErrorShape;
  const status = $metadata?.httpStatusCode;
  // A 5xx, even one whose body is not the service's (a load balancer's HTML page fails to parse).
  if ($fault === 'server' || (typeof status === 'number' && status >= 500)) return true;
  if (status === 429 || THROTTLED.has(String(name))) return true;
  return name === 'TimeoutError' || NETWORK.has(String(code));
}
