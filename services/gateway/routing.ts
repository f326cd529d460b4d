/**
 * The route table compiled once into a matcher: a Map lookup for static paths, and segment-by-segment
 * comparison for the few paths with parameters. Matching allocates nothing on the hot (static) path.
 *
 * Precedence follows API Gateway's "most specific route wins": for a given method, an exact static path beats
 * a path with parameters, and among those more literal segments win. So `GET /products/openapi.json` is its
 * own route while `PATCH /products/openapi.json` still matches `PATCH /products/{id}`.
 */
import {
  clientLimitOf,
  routeKey,
  type AccountLimit,
  type AuthLevel,
  type ClientLimit,
  type HttpMethod,
  type RouteDefinition,
  type Throttle,
} from '../contracts/routes';
import type { ServiceName } from '../contracts/services';

export interface GatewayRoute {
  /** `METHOD /path`, as API Gateway names routes. */
  readonly key: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly service: ServiceName;
  readonly auth: AuthLevel;
  readonly scopes: readonly string[];
  readonly throttle: Throttle | undefined;
  /** The route's per-client limit: its own, else the stage's for its kind of caller. */
  readonly client: ClientLimit;
  readonly account: AccountLimit | undefined;
}

export type RouteMatch =
  | { readonly kind: 'route'; readonly route: GatewayRoute }
  | { readonly kind: 'method-not-allowed'; readonly allow: string }
  | { readonly kind: 'not-found' };

interface PathEntry {
  /** `null` marks a `{param}` segment; static entries have no segments. */
  readonly segments: readonly (string | null)[];
  readonly methods: Map<string, RouteMatch>;
}

const NOT_FOUND: RouteMatch = { kind: 'not-found' };
const PARAM = /^\{[^{}/]+\}$/;
/** `.` and `..` (also percent-encoded) would let a parameter walk out of its path at the service. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

export interface Router {
  readonly routes: readonly GatewayRoute[];
  match(method: string, path: string): RouteMatch;
}

export function compileRoutes(definitions: readonly RouteDefinition[]): Router {
  const routes = definitions.map(toGatewayRoute);
  const statics = new Map<string, PathEntry>();
  const byLength = new Map<number, PathEntry[]>();
  for (const route of routes) {
    const segments = route.path.split('/').map((s) => (PARAM.test(s) ? null : s));
    const isStatic = !segments.includes(null);
    const entry = isStatic ? statics.get(route.path) : findParamEntry(byLength, segments);
    // Stryker disable next-line ArrayDeclaration: a static entry's segments are never read; it is found by its path.
    const target = entry ?? newEntry(isStatic ? [] : segments, isStatic ? statics : undefined, route.path);
    // Stryker disable next-line ConditionalExpression,LogicalOperator: pushing more is equivalent, as a listed entry
    // pushed again answers after its first copy with the same methods, and a static one lands under length 0, which
    // no split path has.
    if (!entry && !isStatic) pushParamEntry(byLength, target);
    if (target.methods.has(route.method)) throw new Error(`Duplicate route ${route.key}`);
    target.methods.set(route.method, { kind: 'route', route });
  }
  for (const list of byLength.values()) list.sort((a, b) => literalCount(b) - literalCount(a));
  return { routes, match: (method, path) => match(statics, byLength, method, path) };
}

function match(statics: Map<string, PathEntry>, byLength: Map<number, PathEntry[]>, method: string, path: string) {
  const exact = statics.get(path);
  const hit = exact?.methods.get(method);
  if (hit) return hit;
  // Hot path for parameter routes: no allocation beyond the split.
  // Stryker disable next-line ConditionalExpression,ArrayDeclaration: a shortcut only; with no parameter routes, no
  // parts of any length find a list.
  const parts = byLength.size === 0 ? [] : path.split('/');
  const list = byLength.get(parts.length) ?? [];
  for (const entry of list) {
    if (!segmentsMatch(entry.segments, parts)) continue;
    const found = entry.methods.get(method);
    if (found) return found;
  }
  const candidates = list.filter((entry) => segmentsMatch(entry.segments, parts));
  if (exact) candidates.unshift(exact);
  if (candidates.length === 0) return NOT_FOUND;
  const allow = [...new Set(candidates.flatMap((entry) => [...entry.methods.keys()]))].join(', ');
  return { kind: 'method-not-allowed', allow } as const;
}

function segmentsMatch(pattern: readonly (string | null)[], parts: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i];
    // Stryker disable next-line StringLiteral: never used, as parts has the pattern's length (the list is by length).
    const got = parts[i] ?? '';
    if (want === null ? got === '' || DOT_SEGMENT.test(got) : want !== got) return false;
  }
  return true;
}

function toGatewayRoute(definition: RouteDefinition): GatewayRoute {
  return {
    key: routeKey(definition),
    method: definition.method,
    path: definition.path,
    service: definition.service,
    auth: definition.auth,
    scopes: definition.scopes,
    throttle: definition.throttle,
    client: clientLimitOf(definition),
    account: definition.perAccount,
  };
}

function newEntry(segments: (string | null)[], statics: Map<string, PathEntry> | undefined, path: string): PathEntry {
  const entry: PathEntry = { segments, methods: new Map() };
  statics?.set(path, entry);
  return entry;
}

function findParamEntry(byLength: Map<number, PathEntry[]>, segments: (string | null)[]): PathEntry | undefined {
  return byLength.get(segments.length)?.find((e) => e.segments.every((s, i) => s === segments[i]));
}

function pushParamEntry(byLength: Map<number, PathEntry[]>, entry: PathEntry): void {
  const list = byLength.get(entry.segments.length) ?? [];
  list.push(entry);
  byLength.set(entry.segments.length, list);
}

function literalCount(entry: PathEntry): number {
  return entry.segments.filter((s) => s !== null).length;
}
