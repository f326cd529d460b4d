/**
 * The REST API stage's settings from the route table: per-method throttles, and the JSON access-log format.
 * Helpers for lib/constructs/api.ts.
 */
import { AccessLogFormat, type MethodDeploymentOptions } from 'aws-cdk-lib/aws-apigateway';
import type { RouteDefinition } from '../../services/contracts/routes';

/** Per-route throttles as the stage's method settings (`/identity/token/POST`), routes without one inherit the stage's. */
export function methodThrottles(routes: readonly RouteDefinition[]): Record<string, MethodDeploymentOptions> {
  return Object.fromEntries(
    routes
      .filter((route) => route.throttle)
      .map((route) => [`${route.path}/${route.method}`, { throttlingRateLimit: route.throttle!.rateLimit, throttlingBurstLimit: route.throttle!.burstLimit }]),
  );
}

/** One JSON object per request: who, what, the outcome, the latencies, and the authorizer's and WAF's say. */
export function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      time: '$context.requestTime',
      ip: '$context.identity.sourceIp',
      userAgent: '$context.identity.userAgent',
      method: '$context.httpMethod',
      resourcePath: '$context.resourcePath',
      path: '$context.path',
      protocol: '$context.protocol',
      status: '$context.status',
      responseLength: '$context.responseLength',
      responseLatencyMs: '$context.responseLatency',
      integrationStatus: '$context.integrationStatus',
      integrationLatencyMs: '$context.integrationLatency',
      integrationError: '$context.integrationErrorMessage',
      errorType: '$context.error.responseType',
      authorizerError: '$context.authorizer.error',
      sub: '$context.authorizer.claims.sub',
      waf: '$context.wafResponseCode',
    }),
  );
}
