/**
 * THE route table of the public edge.
 *
 * Both the deployed API Gateway REST API (lib/constructs/api.ts) and the local gateway (services/gateway) are
 * built from this one list, so what is enforced offline is what is enforced in AWS. Nothing else defines edge
 * routes; tests check that every service route appears here and nowhere else.
 */

import { API_SCOPE } from './scopes';
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
  /** OAuth scopes the edge's authorizer requires (any one of them); empty for public routes. */
  readonly scopes: readonly string[];
  /** Per-route override of the stage throttle. */
  readonly throttle?: Throttle;
  /** Per-route override of the stage's per-client limit (STAGE_CLIENT_LIMITS, by the route's auth). */
  readonly perClient?: ClientLimit;
  /** Credential routes: a bucket per account as well, with a penalty for failed attempts. */
  readonly perAccount?: AccountLimit;
}

/**
 * Who a per-client bucket belongs to: the caller's source address (anonymous routes), or the `sub` of its
 * verified access token (authenticated routes, so users behind one address do not share a budget).
 */
export type ClientKey = 'source-address' | 'token-subject';

/** A bucket per client, in addition to the route's bucket; every route naming the same `pool` shares it. */
export interface ClientLimit {
  readonly pool: string;
  readonly by: ClientKey;
  readonly throttle: Throttle;
}

/**
 * Buckets per account on a credential route, keyed on a field of the JSON body: the e-mail (trimmed and
 * lower-cased, as Identity reads it), or the refresh token (by its SHA-256: a session, not an account, but the
 * one thing a refresh names). A request without the field spends none of them.
 *
 * Two buckets: one per account and source address, where failures cost the penalty, so whoever guesses wrong
 * spends only the budget of their own address on that account (an attacker polling a victim's e-mail cannot
 * lock the victim out); and a looser one per account over all addresses, with no penalty, bounding a guessing
 * flood spread over many addresses.
 */
export interface AccountLimit {
  readonly field: 'email' | 'refreshToken';
  /** Per account and source address; failures are charged here. */
  readonly throttle: Throttle;
  /** Per account, all addresses together; no penalty. */
  readonly anyAddress: Throttle;
  /**
   * Service answers that count as a failed attempt: a wrong password (401), an e-mail already taken (409), and on
   * every credential route a body refused as sent (400, 415), which would otherwise cost only one token.
   */
  readonly failureStatuses: readonly number[];
  /** Extra tokens a failed attempt costs, on top of the one it took. */
  readonly failurePenalty: number;
  /**
   * How far below empty penalties may push an (account, address) bucket, so a flood holds that address off the
   * account for a bounded time: at most (maxDebt + 1) / rateLimit seconds after it stops.
   */
  readonly maxDebt: number;
}

/**
 * Authenticated routes require API_SCOPE, a scope only this API grants (scopes.ts). Requiring a scope also rejects
 * id tokens (which carry none) at the REST API's Cognito authorizer, which does not check `token_use` itself.
 */
export { API_SCOPE, COGNITO_USER_SCOPE } from './scopes';

/** The Cognito group whose members may call admin routes. Checked by the services (API Gateway cannot). */
export const ADMIN_GROUP = 'admin';

/** Stage-wide default throttle, applied to every route without an override. */
export const STAGE_THROTTLE: Throttle = { rateLimit: 500, burstLimit: 1000 };

/**
 * Each credential route's own bucket, over all clients. Guessing is held per address and per account (below); this
 * is the last line, sized to keep the platform within Cognito's default request quotas per AWS account and Region
 * (UserCreation 50/s; UserAuthentication, shared by sign-in and refresh, 120/s as we know it: check your account's
 * in the Service Quotas console before raising these), not to stop guessing. Refresh gets the largest share: every
 * signed-in client refreshes once per access-token lifetime (15 minutes), so 60/s serves about 50,000 active
 * sessions. At 10/s for each route, about 9,000 sessions filled refresh, and a few addresses, each within its own
 * limits, could hold sign-in from everyone.
 */
const CREDENTIAL_ROUTE_THROTTLES = {
  signUp: { rateLimit: 20, burstLimit: 40 },
  signIn: { rateLimit: 40, burstLimit: 80 },
  refresh: { rateLimit: 60, burstLimit: 120 },
} as const satisfies Record<string, Throttle>;

/**
 * Stage-wide per-client limits, applied to every route without its own `perClient`: anonymous routes per source
 * address, authenticated ones per token subject. Well below a route's bucket, so one client cannot drain it.
 */
export const STAGE_CLIENT_LIMITS: Readonly<Record<'anonymous' | 'authenticated', ClientLimit>> = {
  anonymous: { pool: 'anonymous', by: 'source-address', throttle: { rateLimit: 50, burstLimit: 100 } },
  authenticated: { pool: 'authenticated', by: 'token-subject', throttle: { rateLimit: 50, burstLimit: 100 } },
};

/**
 * Per source address on the credential routes, all three together: a small part of any route bucket's rate, so
 * a guessing flood from one address leaves the route's budget to everyone else (it takes 40 addresses at once to
 * fill sign-in's).
 */
const CREDENTIALS_PER_CLIENT: ClientLimit = { pool: 'credentials', by: 'source-address', throttle: { rateLimit: 1, burstLimit: 10 } };

/**
 * Failures on every credential route: a request Identity refuses for what was sent (400 invalid, such as an empty
 * password; 415 not JSON) while the gateway still read an account in it. Charged at one token, such requests from
 * three addresses (0.2/s each) kept the account's own bucket (0.5/s) empty, and its owner's sign-ins got 429.
 */
const REFUSED_AS_SENT = [400, 415] as const;

/**
 * Per account and address: a failed attempt costs 3 tokens, so about 4 guesses, then one per 15 s; that address
 * may try again ≤ 55 s after. Per account from all addresses: 0.5/s, burst 20, so it takes 8 or more
 * addresses failing at once to hold the account's sign-in from everyone.
 */
const perAccount = (field: AccountLimit['field'], failureStatuses: readonly number[]): AccountLimit => ({
  field,
  throttle: { rateLimit: 0.2, burstLimit: 10 },
  anyAddress: { rateLimit: 0.5, burstLimit: 20 },
  failureStatuses: [...REFUSED_AS_SENT, ...failureStatuses],
  failurePenalty: 2,
  maxDebt: 10,
});

/** The per-client limit a route runs with: its own, else the stage's for its kind of caller. */
export function clientLimitOf(route: Pick<RouteDefinition, 'auth' | 'perClient'>): ClientLimit {
  return route.perClient ?? (route.auth === 'public' ? STAGE_CLIENT_LIMITS.anonymous : STAGE_CLIENT_LIMITS.authenticated);
}

/** Path prefix each service owns (services.ts); the ALB and the local gateway route on it. */
export const SERVICE_PREFIXES = Object.fromEntries(SERVICE_NAMES.map((name) => [name, SERVICES[name].prefix])) as Readonly<Record<ServiceName, string>>;

const publicRoute = (method: HttpMethod, path: string, service: ServiceName): RouteDefinition => ({
  method,
  path,
  service,
  auth: 'public',
  scopes: [],
});

/** Sign-up, sign-in and refresh: a route limit below the stage's, per address and per account limits, failures penalized. */
const credentialRoute = (path: string, throttle: Throttle, account: AccountLimit): RouteDefinition => ({
  ...publicRoute('POST', path, 'identity'),
  throttle,
  perClient: CREDENTIALS_PER_CLIENT,
  perAccount: account,
});

const userRoute = (method: HttpMethod, path: string, service: ServiceName): RouteDefinition => ({
  method,
  path,
  service,
  auth: 'user',
  scopes: [API_SCOPE],
});

const adminRoute = (method: HttpMethod, path: string, service: ServiceName): RouteDefinition => ({
  method,
  path,
  service,
  auth: 'admin',
  scopes: [API_SCOPE],
});

export const ROUTES: readonly RouteDefinition[] = [
  credentialRoute('/identity/signup', CREDENTIAL_ROUTE_THROTTLES.signUp, perAccount('email', [409])),
  credentialRoute('/identity/token', CREDENTIAL_ROUTE_THROTTLES.signIn, perAccount('email', [401])),
  credentialRoute('/identity/token/refresh', CREDENTIAL_ROUTE_THROTTLES.refresh, perAccount('refreshToken', [401])),
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
