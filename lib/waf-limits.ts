/**
 * The route table's per-client limits (services/contracts/routes.ts, `clientLimitOf`) as AWS WAF rate-based
 * rules. The table states token buckets (rate per second, burst); WAF counts requests per key over a sliding
 * window and blocks a key above a limit. A client that keeps within its bucket sends at most
 * `burst + rate × window` requests in any window, so that is the WAF limit: WAF never refuses a client the local
 * gateway would admit, and it stops one that keeps sending above its bucket's rate.
 *
 * What WAF can key on decides the rest (docs/infrastructure.md, "Edge firewall"):
 * - `source-address` pools: the client IP, as the local gateway does.
 * - `token-subject` pools: WAF cannot decode a JWT, so the key is the whole Authorization header. Each distinct
 *   token is a client: a forged or expired token is its own key and spends no real client's budget, but one user
 *   holding several tokens has a budget per token.
 * - Requests without a token to an authenticated route count in the stage's anonymous pool, per source address,
 *   as the local gateway charges a refused token there (a made-up token is its own key in the token pool).
 * - A backstop per source address over every request, at the sum of what one client may send to all pools: it
 *   bounds what the keyed rules cannot see (unknown paths, preflights, a new bogus token per request).
 */
import { clientLimitOf, type ClientKey, type HttpMethod, type RouteDefinition, STAGE_CLIENT_LIMITS, type Throttle } from '../services/contracts/routes';

/** WAF's shortest evaluation window; the only one that can follow a bucket's burst closely. */
export const WAF_WINDOW_SECONDS = 60;
/** WAF's smallest rate-based limit. */
export const WAF_MIN_LIMIT = 10;

export interface RouteRef {
  readonly method: HttpMethod;
  readonly path: string;
}

/** One rate-based rule: requests of `routes`, counted per `key`, at most `limit` in the window. */
export interface WafRateRule {
  /** The route table's pool name. */
  readonly pool: string;
  readonly key: ClientKey;
  readonly limit: number;
  readonly routes: readonly RouteRef[];
  /** Routes whose requests count here too when they carry no Authorization header (the anonymous pool's). */
  readonly withoutToken: readonly RouteRef[];
}

export interface WafLimits {
  readonly windowSeconds: number;
  /** One rule per per-client pool of the table, in table order. */
  readonly pools: readonly WafRateRule[];
  /** Every request, per source address. */
  readonly backstopPerAddress: number;
}

/** The most requests a bucket admits in `windowSeconds`. */
export function windowLimit(throttle: Throttle, windowSeconds = WAF_WINDOW_SECONDS): number {
  return Math.max(WAF_MIN_LIMIT, Math.ceil(throttle.burstLimit + throttle.rateLimit * windowSeconds));
}

export function wafLimits(routes: readonly RouteDefinition[]): WafLimits {
  const pools = new Map<string, WafRateRule & { routes: RouteRef[] }>();
  for (const route of routes) {
    const client = clientLimitOf(route);
    const limit = windowLimit(client.throttle);
    const pool = pools.get(client.pool);
    if (!pool) {
      pools.set(client.pool, { pool: client.pool, key: client.by, limit, routes: [{ method: route.method, path: route.path }], withoutToken: [] });
    } else if (pool.key !== client.by || pool.limit !== limit) {
      throw new Error(`WAF limits: routes of the per-client pool "${client.pool}" must state one limit and key; got ${pool.key} ${pool.limit} and ${client.by} ${limit}`);
    } else {
      pool.routes.push({ method: route.method, path: route.path });
    }
  }
  const anonymous = STAGE_CLIENT_LIMITS.anonymous;
  const authenticated = routes.filter((route) => route.auth !== 'public').map(({ method, path }) => ({ method, path }));
  if (authenticated.length > 0) {
    const pool = pools.get(anonymous.pool) ?? { pool: anonymous.pool, key: anonymous.by, limit: windowLimit(anonymous.throttle), routes: [], withoutToken: [] };
    pools.set(anonymous.pool, { ...pool, withoutToken: authenticated });
  }
  const rules = [...pools.values()];
  return {
    windowSeconds: WAF_WINDOW_SECONDS,
    pools: rules,
    backstopPerAddress: rules.reduce((sum, rule) => sum + rule.limit, 0),
  };
}

/**
 * A regular expression matching exactly the paths of `routes` (`{id}` is one segment), with or without a
 * trailing slash. WAF applies it after URL-decoding and normalizing the path, so `%74oken` or `//token` match too.
 *
 * WAF inspects the URI path as the client sent it. On the REST API's execute-api URL that path starts with the
 * stage's name (`/api/identity/token`), so `stageName` (the stage the web ACL is on) is an optional first segment: the pattern
 * matches `/api/identity/token` and also `/identity/token`, which is what a custom domain mapped with an empty
 * base path would send; `''` means no stage segment. An unprefixed path on the execute-api URL names no stage and API Gateway refuses it, so
 * counting it too only spends the sender's own budget.
 */
export function pathPattern(paths: readonly string[], stageName: string): string {
  const escape = (text: string) => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  if (!/^[A-Za-z0-9_-]*$/.test(stageName)) throw new Error(`WAF path pattern: a stage name is letters, digits, - and _; got "${stageName}"`);
  const alternatives = [...new Set(paths)].map((path) => escape(path).replace(/\{[^{}/]+\}/g, '[^/]+'));
  const stage = stageName === '' ? '' : `(/${stageName})?`;
  return `^${stage}(${alternatives.join('|')})/?$`;
}
