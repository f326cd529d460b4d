/** The documents say what the route table says: one operation per route, its security, and the answers every route has. */
import { describe, expect, it } from 'vitest';
import { ROUTES, routeKey, type RouteDefinition } from '../../services/contracts/routes';
import { documentedPaths, isDocumentRoute } from '../../services/kit/http/openapi';
import { openApiDocuments } from './openapi-documents';

interface Response {
  $ref?: string;
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, unknown>;
}

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ in: string }>;
  requestBody?: unknown;
  responses: Record<string, Response>;
}

const documents = openApiDocuments();
const operations = Object.entries(documents).flatMap(([service, document]) =>
  Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ service, key: `${method.toUpperCase()} ${path}`, operation })),
  ),
);
const operationOf = (route: RouteDefinition) => operations.find((o) => o.key === routeKey(route))?.operation;

/** Every route but the documents' own (`GET …/openapi.json`), which the gateway's /docs lists instead. */
const documented = ROUTES.filter((route) => !isDocumentRoute(route));

describe('the OpenAPI documents and the route table', () => {
  it('when the three documents are read together, then they have exactly the routes of the table, each in its service\'s document', () => {
    expect(documented.length).toBeGreaterThan(10);
    expect(operations.map((o) => `${o.service} ${o.key}`).sort()).toEqual(documented.map((r) => `${r.service} ${routeKey(r)}`).sort());
  });

  it.each(documented.map((r) => [routeKey(r), r] as const))('when %s is documented, then its security is the route\'s: [] when public, else a bearer token with its scopes', (_key, route) => {
    expect(operationOf(route)!.security).toEqual(route.auth === 'public' ? [] : [{ bearer: [...route.scopes] }]);
  });

  it('then every operationId is unique across the documents, and every operation has its document\'s one tag', () => {
    const ids = operations.map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(documented.length);
    for (const { service, key, operation } of operations) {
      const tags = (documents[service as keyof typeof documents].tags ?? []).map((t) => t.name);
      expect(tags, service).toHaveLength(1);
      expect(operation.tags, key).toEqual(tags);
    }
  });

  it.each(documented.map((r) => [routeKey(r), r] as const))('when %s is documented, then it lists the answers of its auth level and the edge, with their headers', (key, route) => {
    const document = documents[route.service];
    const shared = (document.components?.responses ?? {}) as Record<string, Response>;
    // Problems are response components, referenced by every operation that answers them.
    const responses = Object.fromEntries(
      Object.entries(operationOf(route)!.responses).map(([status, r]) => [status, r.$ref ? shared[r.$ref.replace('#/components/responses/', '')]! : r]),
    );
    const statuses = Object.keys(responses);
    expect(statuses, key).toEqual(expect.arrayContaining(['408', '429', '500', '502', '503', '504']));
    if (route.auth !== 'public') expect(statuses, key).toContain('401'); // public ones may too: bad credentials
    expect(statuses.includes('403'), key).toBe(route.auth === 'admin');
    if (route.auth !== 'public') expect(responses['401']!.headers?.['WWW-Authenticate']?.required).toBe(true);
    expect(responses['429']!.headers?.['Retry-After']?.required).toBe(true);
    for (const [status, response] of Object.entries(responses)) {
      expect(response.headers?.['x-request-id']?.required, `${key} ${status}`).toBe(true);
      if (Number(status) >= 400) expect(Object.keys(response.content ?? {}), `${key} ${status}`).toEqual(['application/problem+json']);
    }
  });

  it('when an operation takes no body and no query string, then it documents no 400: a path parameter that does not decode names no resource, a 404', () => {
    const plain = operations.filter(({ operation }) => !operation.requestBody && !(operation.parameters ?? []).some((p) => p.in === 'query'));
    expect(plain.map((o) => o.key)).toContain('GET /products/{id}');
    for (const { key, operation } of plain) expect(Object.keys(operation.responses), key).not.toContain('400');
  });

  it('when a route has no operation, or an operation no route, then the document is not built and the error names both and the file each is fixed in', () => {
    const routes = ROUTES.filter((r) => r.service === 'product');
    const spec = { operationId: 'x', summary: 'x', responses: {} };
    expect(() => documentedPaths(routes, 'Product', { 'GET /products': spec, 'GET /nowhere': spec })).toThrow(
      /undocumented routes \[.*POST \/products.*\] \(add an operation under that key to services\/product\/entry-points\/http\/openapi\.ts\); operations without a route \[GET \/nowhere\] \(add the route to services\/contracts\/routes\.ts, or remove the operation\)/,
    );
  });

  it('when only a route lacks its operation, then the error says only that', () => {
    const routes = ROUTES.filter((r) => r.service === 'billing' && r.path === '/billing/account');
    expect(() => documentedPaths(routes, 'Billing', {})).toThrow(
      'OpenAPI and the route table disagree: undocumented routes [GET /billing/account] (add an operation under that key to services/billing/entry-points/http/openapi.ts)',
    );
  });
});
