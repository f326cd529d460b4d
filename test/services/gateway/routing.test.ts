import { describe, expect, it } from 'vitest';
import { ROUTES, routeKey, STAGE_CLIENT_LIMITS, type HttpMethod, type RouteDefinition } from '../../../services/contracts/routes';
import type { ServiceName } from '../../../services/contracts/services';
import { compileRoutes, type Router } from '../../../services/gateway/routing';

/**
 * The project's table, compiled inside each test rather than once at import: a compilation at import runs outside
 * every test, which would make each mutant of the compiler a static one for `npm run mutation` (all tests, reloaded).
 */
const tableRouter = () => compileRoutes(ROUTES);

/** A concrete request path for a table path: each `{param}` becomes a sample value. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, '3f0c9a52-6a43-4c1e-9a57-1b2c3d4e5f60');

describe('when every route of the table is requested with its own method', () => {
  it.each(ROUTES.map((route) => [routeKey(route), route] as const))('when %s, then that route matches', (_key, route) => {
    const match = tableRouter().match(route.method, concrete(route.path));
    expect(match).toMatchObject({ kind: 'route', route: { key: routeKey(route), service: route.service } });
  });
});

describe('when a static path and a parameter path could both match', () => {
  it('then the static route wins for its method', () => {
    expect(tableRouter().match('GET', '/products/openapi.json')).toMatchObject({ route: { key: 'GET /products/openapi.json' } });
  });

  it('then another method still reaches the parameter route', () => {
    expect(tableRouter().match('PATCH', '/products/openapi.json')).toMatchObject({ route: { key: 'PATCH /products/{id}' } });
  });
});

describe('when the path is not in the table', () => {
  it.each([
    '/nope',
    '/products/',
    '/products/a/b',
    '/identity/me/',
    '//products',
    '/health/live',
    '/health/ready',
    '/billing/invoices//pay',
    'http://evil.example/products',
  ])('when %s, then it is not found', (path) => {
    expect(tableRouter().match('GET', path)).toEqual({ kind: 'not-found' });
  });

  it.each(['/products/..', '/products/.', '/products/%2e%2E', '/billing/invoices/../pay'])(
    'when a parameter is the dot segment in %s, then it is not found',
    (path) => {
      expect(tableRouter().match('GET', path).kind).not.toBe('route');
    },
  );
});

describe('when the path is known but the method is not', () => {
  it('then the answer lists every method of that path', () => {
    expect(tableRouter().match('PUT', '/products')).toEqual({ kind: 'method-not-allowed', allow: 'GET, POST' });
  });

  it('then methods of static and parameter routes on the same path are merged', () => {
    expect(tableRouter().match('POST', '/products/openapi.json')).toEqual({
      kind: 'method-not-allowed',
      allow: 'GET, PATCH, DELETE',
    });
  });

  it('then HEAD is not taken for GET, as API Gateway routes on the exact method', () => {
    expect(tableRouter().match('HEAD', '/identity/me')).toEqual({ kind: 'method-not-allowed', allow: 'GET, PATCH, DELETE' });
  });
});

describe('when the table has the same route twice', () => {
  it('then compiling it fails, naming the route', () => {
    const twice: RouteDefinition[] = [ROUTES[0] as RouteDefinition, ROUTES[0] as RouteDefinition];
    expect(() => compileRoutes(twice)).toThrow(/Duplicate route POST \/identity\/signup/);
  });
});

/*
 * The rules below hold for any table, so each test compiles a small one of its own: the project's table happens
 * to have no two parameter routes of one length that differ in their literals, for instance.
 */

/** `'GET /a/{id}'` → a public route of `service`. */
const route = (key: string, service: ServiceName = 'product'): RouteDefinition => {
  const [method, path] = key.split(' ') as [HttpMethod, string];
  return { method, path, service, auth: 'public', scopes: [] };
};
const routerOf = (...keys: string[]) => compileRoutes(keys.map((key) => route(key)));
/** The key of the matched route, or the whole answer when no route matched. */
const matched = (router: Router, method: string, path: string) => {
  const match = router.match(method, path);
  return match.kind === 'route' ? match.route.key : match;
};

describe('when parameter routes of one length could both match a path', () => {
  const general = 'GET /a/{x}/{y}';
  const specific = 'GET /a/b/{y}';

  it.each([
    ['the general one first', [general, specific]],
    ['the specific one first', [specific, general]],
  ])('when the table lists %s, then the route with more literal segments wins', (_order, keys) => {
    const router = routerOf(...keys);
    expect(matched(router, 'GET', '/a/b/c')).toBe(specific);
    expect(matched(router, 'GET', '/a/z/c')).toBe(general);
  });

  it('when three routes differ by one literal each, then the most literal route that matches wins', () => {
    const router = routerOf('GET /{s}/{x}/{y}', 'GET /a/{x}/{y}', 'GET /a/b/{y}');
    expect(matched(router, 'GET', '/a/b/c')).toBe('GET /a/b/{y}');
    expect(matched(router, 'GET', '/a/z/c')).toBe('GET /a/{x}/{y}');
    expect(matched(router, 'GET', '/q/b/c')).toBe('GET /{s}/{x}/{y}');
  });

  it('when the more literal route lacks the method, then the request falls through to the other', () => {
    const router = routerOf('POST /a/{x}/{y}', specific);
    expect(matched(router, 'POST', '/a/b/c')).toBe('POST /a/{x}/{y}');
  });

  it('when neither has the method, then 405 lists the methods of both, each once', () => {
    const router = routerOf(general, 'POST /a/{x}/{y}', specific);
    expect(router.match('DELETE', '/a/b/c')).toEqual({ kind: 'method-not-allowed', allow: 'GET, POST' });
  });
});

describe('when two parameter routes have the same length but other literals', () => {
  const router = () => compileRoutes([route('GET /a/{x}', 'product'), route('POST /b/{y}', 'billing')]);

  it('then each path keeps its own method and service', () => {
    expect(router().match('GET', '/a/1')).toMatchObject({ kind: 'route', route: { key: 'GET /a/{x}', service: 'product' } });
    expect(router().match('POST', '/b/1')).toMatchObject({ kind: 'route', route: { key: 'POST /b/{y}', service: 'billing' } });
  });

  it("then a method of the other path is not allowed on this one, and 405 lists only this path's methods", () => {
    expect(router().match('POST', '/a/1')).toEqual({ kind: 'method-not-allowed', allow: 'GET' });
    expect(router().match('GET', '/b/1')).toEqual({ kind: 'method-not-allowed', allow: 'POST' });
  });

  it('when parameters sit in other places, then the routes stay apart too', () => {
    const apart = routerOf('GET /a/{x}/c', 'PUT /a/b/{y}');
    expect(matched(apart, 'GET', '/a/z/c')).toBe('GET /a/{x}/c');
    expect(matched(apart, 'PUT', '/a/b/z')).toBe('PUT /a/b/{y}');
    expect(apart.match('GET', '/a/b/z')).toEqual({ kind: 'method-not-allowed', allow: 'PUT' });
  });
});

describe('when a parameter route is in the table twice', () => {
  it('then compiling it fails, naming the route', () => {
    expect(() => routerOf('GET /a/{id}', 'GET /a/{id}')).toThrow('Duplicate route GET /a/{id}');
  });

  it('when only the parameter is named differently, then it is still the same route and refused', () => {
    expect(() => routerOf('GET /a/{id}/pay', 'GET /a/{key}/pay')).toThrow('Duplicate route GET /a/{key}/pay');
  });

  it('when the same path has another method, then both are routes of that path', () => {
    const router = routerOf('GET /a/{id}', 'PATCH /a/{id}');
    expect(matched(router, 'GET', '/a/1')).toBe('GET /a/{id}');
    expect(matched(router, 'PATCH', '/a/1')).toBe('PATCH /a/{id}');
    expect(router.match('PUT', '/a/1')).toEqual({ kind: 'method-not-allowed', allow: 'GET, PATCH' });
  });
});

describe('when a parameter looks like a dot segment but is not one', () => {
  const router = () => routerOf('GET /files/{name}');

  it.each(['a.', '.a', '.well-known', '...', 'a..', '..a', '%2e%2e%2e', 'x%2e', '%2ex'])(
    'when the parameter is %s, then the route matches',
    (name) => {
      expect(matched(router(), 'GET', `/files/${name}`)).toBe('GET /files/{name}');
    },
  );

  it.each(['.', '..', '%2e', '%2E', '.%2e', '%2E.'])('when the parameter is the dot segment %s, then it is not found', (name) => {
    expect(router().match('GET', `/files/${name}`)).toEqual({ kind: 'not-found' });
  });
});

describe('when a segment of a table path only looks like a parameter', () => {
  it.each(['x{name}', '{name}x', '{}', '{a{b}}'])('when the segment is %s, then it is matched literally', (segment) => {
    const router = routerOf(`GET /files/${segment}`);
    expect(matched(router, 'GET', `/files/${segment}`)).toBe(`GET /files/${segment}`);
    expect(router.match('GET', '/files/other')).toEqual({ kind: 'not-found' });
  });
});

describe('when a table has no parameter routes', () => {
  it('then static paths still match and anything else is not found', () => {
    const router = routerOf('GET /a', 'GET /a/b');
    expect(matched(router, 'GET', '/a/b')).toBe('GET /a/b');
    expect(router.match('GET', '/a/c')).toEqual({ kind: 'not-found' });
  });
});

describe('when a route is compiled, then it carries its limits from the table', () => {
  it('then its own per-client limit and account limit, or the stage per-client limit for its kind of caller', () => {
    const routes = tableRouter().routes;
    const byKey = (key: string) => routes.find((route) => route.key === key);
    expect(byKey('POST /identity/token')?.client).toEqual(ROUTES.find((r) => routeKey(r) === 'POST /identity/token')?.perClient);
    expect(byKey('POST /identity/token')?.account?.field).toBe('email');
    expect(byKey('POST /identity/token/refresh')?.account?.field).toBe('refreshToken');
    expect(byKey('GET /products')?.client).toEqual(STAGE_CLIENT_LIMITS.anonymous);
    expect(byKey('GET /products')?.account).toBeUndefined();
    expect(byKey('GET /identity/me')?.client).toEqual(STAGE_CLIENT_LIMITS.authenticated);
    expect(byKey('POST /products')?.client).toEqual(STAGE_CLIENT_LIMITS.authenticated);
  });
});
