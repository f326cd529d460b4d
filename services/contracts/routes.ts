/**
 * THE route table of the public edge.
 *
 * Both the deployed API Gateway HTTP API (lib/constructs/api.ts) and the local gateway (services/gateway) are
 * built from this one list, so what is enforced offline is what is enforced in AWS. Nothing else defines edge
 * routes; tests check that every service route appears here and nowhere else.
 */

import { SERVICE_NAMES, SERVICES, type ServiceName } from './services';

export type AuthLevel = 'public' | 'user' | 'admin';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** API Gateway's throttle pair: steady requests per second and bucket size. */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/products/{id}`. Services serve the same path. */
  readonly path: string;
  readonly service: ServiceName;
  readonly auth: AuthLevel;
  /** OAuth scopes the JWT authorizer requires (any one of them); empty for public routes. */
  readonly scopes: readonly string[];
  /** Per-route override of the stage throttle. */
  readonly throttle?: Throttle;
}

/**
 * The only scope Cognito puts in access tokens from USER_PASSWORD_AUTH and SRP. Requiring it rejects id tokens
 * (which carry no scope) at the API Gateway JWT authorizer, which does not check `token_use` itself.
 */
export const COGNITO_USER_SCOPE = 'aws.cognito.signin.user.admin';

/** The Cognito group whose members may call admin routes. Checked by the services (API Gateway cannot). */
export const ADMIN_GROUP = 'admin';

/** Stage-wide default throttle, applied to every route without an override. */
export const STAGE_THROTTLE: Throttle = { rateLimit: 500, burstLimit: 1000 };

/** Credential endpoints are brute-force targets: keep them well below the stage default. */
const CREDENTIALS_THROTTLE: Throttle = { rateLimit: 10, burstLimit: 20 };

/** Path prefix each service owns (services.ts); the ALB and the local gateway route on it. */
export const SERVICE_PREFIXES = Object.fromEntries(SERVICE_NAMES.map((name) => [name, SERVICES[name].prefix])) as Readonly<Record<ServiceName, string>>;

const publicRoute = (method: HttpMethod, path: string, service: ServiceName, throttle?: Throttle): RouteDefinition => ({
  method,
  path,
  service,
  auth: 'public',
  scopes: [],
  ...(throttle ? { throttle } : {}),
});

const userRoute = (method: HttpMethod, path: string, service: ServiceName): RouteDefinition => ({
  method,
  path,
  service,
  auth: 'user',
  scopes: [COGNITO_USER_SCOPE],
});

const adminRoute = (method: HttpMethod, path: string, service: ServiceName): RouteDefinition => ({
  method,
  path,
  service,
  auth: 'admin',
  scopes: [COGNITO_USER_SCOPE],
});

export const ROUTES: readonly RouteDefinition[] = [
  publicRoute('POST', '/identity/signup', 'identity', CREDENTIALS_THROTTLE),
  publicRoute('POST', '/identity/token', 'identity', CREDENTIALS_THROTTLE),
  publicRoute('POST', '/identity/token/refresh', 'identity', CREDENTIALS_THROTTLE),
  userRoute('GET', '/identity/me', 'identity'),
  userRoute('PATCH', '/identity/me', 'identity'),
  userRoute('DELETE', '/identity/me', 'identity'),
  publicRoute('GET', '/identity/openapi.json', 'identity'),

  publicRoute('GET', '/products', 'product'),
  publicRoute('GET', '/products/{id}', 'product'),
  adminRoute('POST', '/products', 'product'),
  adminRoute('PATCH', '/products/{id}', 'product'),
  adminRoute('DELETE', '/products/{id}', 'product'),
  publicRoute('GET', '/products/openapi.json', 'product'),

  userRoute('GET', '/billing/account', 'billing'),
  userRoute('POST', '/billing/invoices', 'billing'),
  userRoute('GET', '/billing/invoices', 'billing'),
  userRoute('GET', '/billing/invoices/{id}', 'billing'),
  userRoute('POST', '/billing/invoices/{id}/pay', 'billing'),
  publicRoute('GET', '/billing/openapi.json', 'billing'),
];

/** Routes of one service, in table order. */
export function routesOf(service: ServiceName): RouteDefinition[] {
  return ROUTES.filter((route) => route.service === service);
}

/** `METHOD /path`, the route key API Gateway uses. */
export function routeKey(route: Pick<RouteDefinition, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/**
 * ALB path patterns that cover exactly the paths of a service's routes: `{param}` segments become `*`, duplicates
 * go, and the order follows the table. The ALB forwards these unchanged; anything else gets its 404.
 */
export function albPathPatterns(service: ServiceName): string[] {
  return [...new Set(routesOf(service).map((route) => route.path.replace(/\{[^{}/]+\}/g, '*')))];
}
