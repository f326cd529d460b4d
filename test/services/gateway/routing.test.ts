import { describe, expect, it } from 'vitest';
import { ROUTES, routeKey, type RouteDefinition } from '../../../services/contracts/routes';
import { compileRoutes } from '../../../services/gateway/routing';

const router = compileRoutes(ROUTES);

/** A concrete request path for a table path: each `{param}` becomes a sample value. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, '3f0c9a52-6a43-4c1e-9a57-1b2c3d4e5f60');

describe('when every route of the table is requested with its own method', () => {
  it.each(ROUTES.map((route) => [routeKey(route), route] as const))('when %s, then that route matches', (_key, route) => {
    const match = router.match(route.method, concrete(route.path));
    expect(match).toMatchObject({ kind: 'route', route: { key: routeKey(route), service: route.service } });
  });
});

describe('when a static path and a parameter path could both match', () => {
  it('then the static route wins for its method', () => {
    expect(router.match('GET', '/products/openapi.json')).toMatchObject({ route: { key: 'GET /products/openapi.json' } });
  });

  it('then another method still reaches the parameter route', () => {
    expect(router.match('PATCH', '/products/openapi.json')).toMatchObject({ route: { key: 'PATCH /products/{id}' } });
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
    expect(router.match('GET', path)).toEqual({ kind: 'not-found' });
  });

  it.each(['/products/..', '/products/.', '/products/%2e%2E', '/billing/invoices/../pay'])(
    'when a parameter is the dot segment in %s, then it is not found',
    (path) => {
      expect(router.match('GET', path).kind).not.toBe('route');
    },
  );
});

describe('when the path is known but the method is not', () => {
  it('then the answer lists every method of that path', () => {
    expect(router.match('PUT', '/products')).toEqual({ kind: 'method-not-allowed', allow: 'GET, POST' });
  });

  it('then methods of static and parameter routes on the same path are merged', () => {
    expect(router.match('POST', '/products/openapi.json')).toEqual({
      kind: 'method-not-allowed',
      allow: 'GET, PATCH, DELETE',
    });
  });

  it('then HEAD is not taken for GET, as API Gateway routes on the exact method', () => {
    expect(router.match('HEAD', '/identity/me')).toEqual({ kind: 'method-not-allowed', allow: 'GET, PATCH, DELETE' });
  });
});

describe('when the table has the same route twice', () => {
  it('then compiling it fails, naming the route', () => {
    const twice: RouteDefinition[] = [ROUTES[0] as RouteDefinition, ROUTES[0] as RouteDefinition];
    expect(() => compileRoutes(twice)).toThrow(/Duplicate route POST \/identity\/signup/);
  });
});
