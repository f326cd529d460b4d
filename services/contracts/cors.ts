/**
 * The CORS policy of the public edge, stated once: the deployed REST API's CORS configuration
 * (lib/constructs/api.ts) and the local gateway's answers (services/gateway/cors.ts) are both built from it.
 * Bearer tokens travel in a header, not cookies, so credentials are never allowed. The allowed origins are a
 * stage setting, not part of the policy. Every response header the OpenAPI documents name is exposed unless the
 * browser shows it to a page anyway (Cache-Control, Content-Type, …): a page replaying an invoice must be able to
 * read `Idempotent-Replayed`.
 */
export const CORS = {
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
  allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'traceparent'],
  exposeHeaders: ['x-request-id', 'retry-after', 'www-authenticate', 'location', 'allow', 'idempotent-replayed'],
  maxAgeSeconds: 600,
} as const;
