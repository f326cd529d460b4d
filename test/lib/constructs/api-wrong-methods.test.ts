import { describe, expect, it } from 'vitest';
import { allowedMethods, methodNotAllowedHeaders, methodNotAllowedTemplate, wrongMethods } from '../../../lib/constructs/api-wrong-methods';
import { ROUTES, type RouteDefinition } from '../../../services/contracts/routes';
import { escapeJavaScript, renderMethodNotAllowed } from '../api-template';

const route = (method: RouteDefinition['method'], path: string): RouteDefinition => ({ method, path, service: 'product', auth: 'public', scopes: [] });

describe('wrong methods on the REST API', () => {
  it('when a path has routes, then every other method answers 405, OPTIONS too unless CORS answers it', () => {
    const routes = [route('GET', '/products'), route('POST', '/products')];
    expect(wrongMethods(routes, false)).toEqual([{ path: '/products', allow: 'GET, POST', methods: ['PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] }]);
    expect(wrongMethods(routes, true)[0]!.methods).toEqual(['PUT', 'PATCH', 'DELETE', 'HEAD']);
  });

  it('when a literal path sits beside a parameter route, then Allow lists both, its own first, and the parameter route\'s methods are not 405s there', () => {
    const routes = [route('GET', '/products/{id}'), route('PATCH', '/products/{id}'), route('GET', '/products/openapi.json')];
    expect(allowedMethods(routes, '/products/openapi.json')).toEqual(['GET', 'PATCH']);
    expect(wrongMethods(routes, false).find((w) => w.path === '/products/openapi.json')?.methods).not.toContain('PATCH');
    // A request to the parameter resource is never the literal: that one has its own resource.
    expect(allowedMethods(routes, '/products/{id}')).toEqual(['GET', 'PATCH']);
    expect(allowedMethods([route('GET', '/products/openapi.json')], '/products/{id}')).toEqual([]);
  });

  it('when the route table is read, then only its paths get 405s, none of them a route of the table', () => {
    const keys = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    const wrong = wrongMethods(ROUTES, false);
    expect(wrong.map((w) => w.path)).toEqual([...new Set(ROUTES.map((r) => r.path))]);
    for (const { path, methods } of wrong) for (const method of methods) expect(keys.has(`${method} ${path}`), `${method} ${path}`).toBe(false);
  });

  it('when the path holds quotes, backslashes or control characters, then the rendered body is still JSON and names the path', () => {
    for (const path of ['/api/products/it\'s', '/api/products/"x"', '/api/products/a\\b', '/api/products/\u0001\n', '/api/products/é🙂']) {
      const body = JSON.parse(renderMethodNotAllowed(methodNotAllowedTemplate('GET, POST'), path, 'rid')) as Record<string, unknown>;
      expect(body).toEqual({
        type: 'urn:problem-type:platform:method-not-allowed',
        title: 'Method Not Allowed',
        status: 405,
        detail: 'This resource supports GET, POST.',
        instance: path,
        requestId: 'rid',
      });
    }
    // Without undoing `\'`, the body would not be JSON: the template's replaceAll is needed.
    expect(() => JSON.parse(`"${escapeJavaScript("it's")}"`)).toThrow();
  });

  it('when CORS is on, then a 405 carries the origin and exposes Allow to the browser', () => {
    expect(methodNotAllowedHeaders('GET')).toEqual({ 'Content-Type': 'application/problem+json', Allow: 'GET', 'Cache-Control': 'no-store' });
    expect(methodNotAllowedHeaders('GET', '*')).toMatchObject({ 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': expect.stringContaining('allow') });
  });
});
