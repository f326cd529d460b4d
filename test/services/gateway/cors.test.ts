import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformDocument } from '../../docs/openapi-documents';
import { call, startEchoUpstreams, startTestGateway, startUpstream, type TestServer, type Upstream, type Upstreams } from './support';

const ALLOWED = 'http://app.localhost:5173';
let upstreams: Upstreams;
let corsyProduct: Upstream;
let gateway: TestServer;
let noCors: TestServer;

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  // A service that sets its own (too generous) CORS headers: the gateway must not pass them on.
  corsyProduct = await startUpstream('product', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*', vary: 'Accept-Encoding' }).end('{}');
  });
  const urls = { ...upstreams.urls, product: corsyProduct.url };
  gateway = await startTestGateway({ upstreams: urls, corsOrigins: [ALLOWED] });
  noCors = await startTestGateway({ upstreams: urls });
});

afterAll(async () => {
  await Promise.all([gateway?.close(), noCors?.close()]);
  await Promise.all([upstreams?.close(), corsyProduct?.close()]);
});

/** Response headers a browser lets a page read without their being exposed (the Fetch standard's safelist). */
const SAFELISTED = new Set(['cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'last-modified', 'pragma']);

/** Every response header the three OpenAPI documents name, lower-cased, but the safelisted ones. */
function documentedResponseHeaders(): string[] {
  const { paths, components } = platformDocument() as unknown as { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>; components: { responses?: Record<string, unknown> } };
  const responses = [
    ...Object.values(paths).flatMap((operations) => Object.values(operations).flatMap((operation) => Object.values(operation.responses ?? {}))),
    ...Object.values(components.responses ?? {}),
  ] as { headers?: Record<string, unknown> }[];
  const names = responses.flatMap((response) => Object.keys(response.headers ?? {}).map((name) => name.toLowerCase()));
  return [...new Set(names)].filter((name) => !SAFELISTED.has(name)).sort();
}

const preflight = (base: string, origin: string, path = '/billing/invoices') =>
  call(base, 'OPTIONS', path, {
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });

describe('when a browser sends a preflight from an allowed origin', () => {
  it('then the gateway answers 204 itself, allowing the methods and headers the API uses', async () => {
    const before = upstreams.byService.billing.seen.length;
    const answer = await preflight(gateway.url, ALLOWED);
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(answer.headers['access-control-allow-methods']).toContain('POST');
    expect(answer.headers['access-control-allow-headers']).toContain('authorization');
    expect(answer.headers['access-control-max-age']).toBe('600');
    expect(answer.headers.vary).toBe('Origin');
    expect(answer.headers).not.toHaveProperty('access-control-allow-credentials');
    expect(upstreams.byService.billing.seen.length).toBe(before);
  });
});

describe('when a preflight comes from another origin', () => {
  it('then the answer allows nothing, so the browser refuses', async () => {
    const answer = await preflight(gateway.url, 'http://evil.example');
    expect(answer.status).toBe(204);
    expect(answer.headers).not.toHaveProperty('access-control-allow-origin');
    expect(answer.headers).not.toHaveProperty('access-control-allow-methods');
  });
});

describe('when an allowed origin makes the actual request', () => {
  it('then the response carries the CORS headers of the gateway, not those of the service', async () => {
    const answer = await call(gateway.url, 'GET', '/products', { headers: { origin: ALLOWED } });
    expect(answer.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(answer.headers['access-control-expose-headers']).toContain('x-request-id');
    expect(answer.headers.vary).toBe('Accept-Encoding, Origin');
  });

  it('then every response header the API documents is readable by the page (Idempotent-Replayed too)', async () => {
    const answer = await call(gateway.url, 'POST', '/billing/invoices', { headers: { origin: ALLOWED } });
    const exposed = String(answer.headers['access-control-expose-headers']).split(', ');
    expect(exposed).toEqual(expect.arrayContaining(documentedResponseHeaders()));
  });

  it('then errors the gateway answers itself carry them too', async () => {
    const answer = await call(gateway.url, 'GET', '/identity/me', { headers: { origin: ALLOWED } });
    expect(answer.status).toBe(401);
    expect(answer.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it('then another origin gets no allow-origin at all, not even the service\'s `*`', async () => {
    const answer = await call(gateway.url, 'GET', '/products', { headers: { origin: 'http://evil.example' } });
    expect(answer.headers).not.toHaveProperty('access-control-allow-origin');
  });
});

describe('when no CORS origins are configured', () => {
  it('then OPTIONS is just a method the route does not have (405)', async () => {
    const answer = await preflight(noCors.url, ALLOWED);
    expect(answer.status).toBe(405);
    expect(answer.headers).not.toHaveProperty('access-control-allow-origin');
  });

  it('then services\' responses pass unchanged', async () => {
    const answer = await call(noCors.url, 'GET', '/products', { headers: { origin: ALLOWED } });
    expect(answer.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('when any origin is allowed with `*`', () => {
  it('then responses say `*` and need no Vary', async () => {
    const open = await startTestGateway({ upstreams: upstreams.urls, corsOrigins: ['*'] });
    try {
      const answer = await call(open.url, 'GET', '/products', { headers: { origin: 'http://anything.example' } });
      expect(answer.headers['access-control-allow-origin']).toBe('*');
      expect(answer.headers).not.toHaveProperty('vary');
    } finally {
      await open.close();
    }
  });
});
