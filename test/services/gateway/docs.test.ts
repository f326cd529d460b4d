import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../services/contracts/routes';
import { apiDocuments } from '../../../services/gateway/docs';
import { call, startEchoUpstreams, startTestGateway, type TestServer, type Upstreams } from './support';

let upstreams: Upstreams;
let gateway: TestServer;

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  gateway = await startTestGateway({ upstreams: upstreams.urls });
});

afterAll(async () => {
  await gateway?.close();
  await upstreams?.close();
});

describe('when the API documents are listed from the route table', () => {
  it('then each service\'s public openapi.json route is one document', () => {
    expect(apiDocuments(ROUTES)).toEqual([
      { name: 'Identity', url: '/identity/openapi.json' },
      { name: 'Product', url: '/products/openapi.json' },
      { name: 'Billing', url: '/billing/openapi.json' },
    ]);
  });
});

describe('when /docs is opened', () => {
  it('then a page loading Swagger UI from the gateway itself (no CDN) is served', async () => {
    const answer = await call(gateway.url, 'GET', '/docs');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['content-security-policy']).toContain("script-src 'self'");
    const sources = [...answer.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) expect(source).toMatch(/^\/docs\//);
  });

  it('then every file the page loads is served', async () => {
    const page = await call(gateway.url, 'GET', '/docs');
    for (const [, source] of page.text.matchAll(/(?:src|href)="([^"]+)"/g)) {
      expect((await call(gateway.url, 'GET', source as string)).status, source).toBe(200);
    }
  });

  it('then the Swagger UI bundle is the one from node_modules', async () => {
    const dist = createRequire(import.meta.url).resolve('swagger-ui-dist/swagger-ui-bundle.js');
    const answer = await call(gateway.url, 'GET', '/docs/swagger-ui-bundle.js');
    expect(answer.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(answer.text).toBe(await readFile(dist, 'utf8'));
  });

  it('then the initializer lists the three documents', async () => {
    const answer = await call(gateway.url, 'GET', '/docs/swagger-initializer.js');
    for (const url of ['/identity/openapi.json', '/products/openapi.json', '/billing/openapi.json']) expect(answer.text).toContain(url);
  });

  it('then any other file under /docs is not found, and other methods are refused', async () => {
    expect((await call(gateway.url, 'GET', '/docs/../package.json')).status).toBe(404);
    expect((await call(gateway.url, 'GET', '/docs/index.html')).status).toBe(404);
    expect((await call(gateway.url, 'POST', '/docs')).status).toBe(405);
  });

  it('then a file named like a property every object inherits (constructor, __proto__, toString) is a 404 problem, not a 500', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const answer = await call(gateway.url, 'GET', `/docs/${name}`);
      expect([answer.status, answer.headers['content-type']], name).toEqual([404, 'application/problem+json; charset=utf-8']);
      expect(answer.json(), name).toMatchObject({ status: 404, requestId: answer.headers['x-request-id'] });
    }
  });
});

describe('when a document is requested through the gateway', () => {
  it('then it is proxied to its service as a public route', async () => {
    const answer = await call(gateway.url, 'GET', '/products/openapi.json');
    expect(answer.json()).toMatchObject({ service: 'product', url: '/products/openapi.json' });
  });
});
