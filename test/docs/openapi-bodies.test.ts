import { describe, expect, it } from 'vitest';
import { billingOpenApi } from '../../services/billing/entry-points/http/openapi';
import { identityOpenApi } from '../../services/identity/entry-points/http/openapi';
import { productOpenApi } from '../../services/product/entry-points/http/openapi';

type Operations = Record<string, Record<string, { responses?: Record<string, unknown> }>>;

const documents = { identity: identityOpenApi(), product: productOpenApi(), billing: billingOpenApi() };

describe('the OpenAPI documents', () => {
  it.each(Object.entries(documents))('when a route of the %s API takes a body (POST, PUT, PATCH), then it documents 413 and 415', (_name, document) => {
    const paths = document.paths as Operations;
    const operations = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([method]) => ['post', 'put', 'patch'].includes(method))
        .map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, statuses: Object.keys(operation.responses ?? {}) })),
    );
    expect(operations.length).toBeGreaterThan(0);
    for (const { route, statuses } of operations) expect(statuses, route).toEqual(expect.arrayContaining(['413', '415']));
  });
});
