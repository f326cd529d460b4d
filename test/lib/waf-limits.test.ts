import { describe, expect, it } from 'vitest';
import { pathPattern, wafLimits, windowLimit } from '../../lib/waf-limits';
import { clientLimitOf, ROUTES, type RouteDefinition, STAGE_CLIENT_LIMITS } from '../../services/contracts/routes';

describe('WAF limits from the route table', () => {
  it('when a bucket is turned into a window limit, then it is the most the bucket admits in the window, at least WAF\'s 10', () => {
    expect(windowLimit({ rateLimit: 1, burstLimit: 10 })).toBe(70);
    expect(windowLimit({ rateLimit: 50, burstLimit: 100 })).toBe(3100);
    expect(windowLimit({ rateLimit: 0.2, burstLimit: 10 }, 120)).toBe(34);
    expect(windowLimit({ rateLimit: 0, burstLimit: 1 })).toBe(10);
  });

  it('when the table is read, then every route is in exactly the pool, key and limit that clientLimitOf gives it', () => {
    const limits = wafLimits(ROUTES);
    for (const route of ROUTES) {
      const client = clientLimitOf(route);
      const holding = limits.pools.filter((pool) => pool.routes.some((r) => r.method === route.method && r.path === route.path));
      expect(holding.map((pool) => [pool.pool, pool.key, pool.limit]), `${route.method} ${route.path}`).toEqual([[client.pool, client.by, windowLimit(client.throttle)]]);
    }
    expect(new Set(limits.pools.map((pool) => pool.pool)).size).toBe(limits.pools.length);
  });

  it('when the table is read, then requests without a token to authenticated routes count in the stage\'s anonymous pool, per address', () => {
    const limits = wafLimits(ROUTES);
    const anonymous = limits.pools.find((pool) => pool.pool === STAGE_CLIENT_LIMITS.anonymous.pool);
    expect(anonymous?.key).toBe('source-address');
    expect(anonymous?.withoutToken).toEqual(ROUTES.filter((route) => route.auth !== 'public').map(({ method, path }) => ({ method, path })));
    for (const pool of limits.pools.filter((p) => p !== anonymous)) expect(pool.withoutToken).toEqual([]);
  });

  it('when the table has no route of the anonymous pool, then the pool still counts tokenless requests to authenticated routes', () => {
    const route: RouteDefinition = { method: 'GET', path: '/me', service: 'identity', auth: 'user', scopes: ['platform/api'] };
    const anonymous = wafLimits([route]).pools.find((pool) => pool.pool === STAGE_CLIENT_LIMITS.anonymous.pool);
    expect(anonymous).toMatchObject({ routes: [], withoutToken: [{ method: 'GET', path: '/me' }], limit: windowLimit(STAGE_CLIENT_LIMITS.anonymous.throttle) });
  });

  it('when the table is read, then the backstop per address is what one client may send to every pool together', () => {
    const limits = wafLimits(ROUTES);
    expect(limits.backstopPerAddress).toBe(limits.pools.reduce((sum, pool) => sum + pool.limit, 0));
    expect(limits.backstopPerAddress).toBeGreaterThan(Math.max(...limits.pools.map((pool) => pool.limit)));
  });

  it('when two routes of one pool state different limits, then it refuses, naming the pool', () => {
    const route = (path: string, rateLimit: number): RouteDefinition => ({
      method: 'GET', path, service: 'product', auth: 'public', scopes: [],
      perClient: { pool: 'shared', by: 'source-address', throttle: { rateLimit, burstLimit: 10 } },
    });
    expect(() => wafLimits([route('/a', 1), route('/b', 2)])).toThrow(/pool "shared" must state one limit/);
  });

  it('when a path pattern is built without a stage segment, then it matches the route\'s paths with or without a trailing slash and nothing else', () => {
    const pattern = new RegExp(pathPattern(['/products/{id}', '/identity/openapi.json'], ''));
    for (const path of ['/products/0b5e7c3a', '/products/0b5e7c3a/', '/identity/openapi.json']) expect(pattern.test(path), path).toBe(true);
    for (const path of ['/products', '/products/a/b', '/productsX/a', '/identity/openapiXjson', '/x/identity/openapi.json']) expect(pattern.test(path), path).toBe(false);
  });

  it('when a path pattern is built for a stage, then the path may start with the stage\'s segment, and only that one', () => {
    const pattern = new RegExp(pathPattern(['/identity/token', '/products/{id}'], 'api'));
    for (const path of ['/api/identity/token', '/api/identity/token/', '/api/products/0b5e7c3a', '/identity/token']) expect(pattern.test(path), path).toBe(true);
    for (const path of ['/api', '/api/', '/api/admin', '/apix/identity/token', '/v1/identity/token', '/api/api/identity/token', '/api/products']) expect(pattern.test(path), path).toBe(false);
  });

  it('when a stage name could change the pattern\'s meaning, then it refuses, naming it', () => {
    expect(() => pathPattern(['/a'], 'a|.*')).toThrow(/stage name is letters, digits, - and _; got "a\|\.\*"/);
  });
});
