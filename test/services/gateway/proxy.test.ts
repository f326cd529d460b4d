import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, routeKey } from '../../../services/contracts/routes';
import { loginAs, type TestTokens } from '../../support/auth';
import { rawRequest } from '../kit/http/raw-http';
import { call, startEchoUpstreams, startTestGateway, type TestServer, type Upstreams } from './support';

let upstreams: Upstreams;
let gateway: TestServer;
let user: TestTokens;

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  gateway = await startTestGateway({ upstreams: upstreams.urls });
  user = await loginAs();
});

afterAll(async () => {
  await gateway?.close();
  await upstreams?.close();
});

const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'a1b2');

const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
  call(gateway.url, method, path, { headers, ...(body === undefined ? {} : { body }) });

function rawGet(path: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${gateway.url}${path}`, { headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('when any route of the table is called through the gateway', () => {
  it.each(ROUTES.map((route) => [routeKey(route), route] as const))(
    'when %s, then the right service gets the request with its path and query unchanged',
    async (_key, route) => {
      const path = `${concrete(route.path)}?limit=5&cursor=x%20y`;
      const auth: Record<string, string> = route.auth === 'public' ? {} : { authorization: `Bearer ${user.accessToken}` };
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : '{"a":1}';
      const headers = { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) };
      const answer = await send(route.method, path, headers, body);
      expect(answer.status).toBe(200);
      expect(answer.json()).toMatchObject({ service: route.service, method: route.method, url: path, body: body ?? '' });
    },
  );
});

describe('when a client sends headers that claim an identity or forwarding facts', () => {
  const spoofed = {
    'x-user-id': 'admin',
    'x-user-groups': 'admin',
    'x-principal-sub': 'someone',
    'x-amzn-oidc-identity': 'someone',
    'x-amzn-trace-id': 'Root=1-abc',
    'x-apigateway-event': '{}',
    'x-forwarded-user': 'admin',
    'x-forwarded-for': '10.9.9.9',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'https',
    'x-real-ip': '10.9.9.9',
    forwarded: 'for=10.9.9.9',
    'x-auth-request-user': 'admin',
    'x-remote-user': 'admin',
    'remote-user': 'admin',
    'x-jwt-claims': '{}',
    'x-consumer-username': 'admin',
    'x-original-url': '/identity/me',
    'x-http-method-override': 'DELETE',
  };

  it('then the service never sees them, and sees the gateway\'s own forwarding headers', async () => {
    const answer = await send('GET', '/identity/me', { ...spoofed, authorization: `Bearer ${user.accessToken}` });
    const seen = answer.json().headers;
    for (const name of Object.keys(spoofed)) if (!name.startsWith('x-forwarded-')) expect(seen).not.toHaveProperty(name);
    expect(seen).not.toHaveProperty('x-forwarded-user');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe(new URL(gateway.url).host);
  });

  it('then the Authorization header reaches the service unchanged', async () => {
    const answer = await send('GET', '/identity/me', { authorization: `Bearer ${user.accessToken}` });
    expect(answer.json().headers.authorization).toBe(`Bearer ${user.accessToken}`);
  });

  it('then headers named in Connection are dropped as hop-by-hop, and others pass', async () => {
    // node:http, as undici will not send a Connection header that lists other headers.
    const answer = await rawGet('/products', { connection: 'keep-alive, x-secret', 'x-secret': '1', 'x-other': '2' });
    const seen = (JSON.parse(answer) as { headers: Record<string, string> }).headers;
    expect(seen).not.toHaveProperty('x-secret');
    expect(seen['x-other']).toBe('2');
  });
});

describe('when a request id is sent or not', () => {
  it('then a sane caller id is kept, forwarded and returned', async () => {
    const answer = await send('GET', '/products', { 'x-request-id': 'abc.DEF_123-x' });
    expect(answer.headers['x-request-id']).toBe('abc.DEF_123-x');
    expect(answer.json().headers['x-request-id']).toBe('abc.DEF_123-x');
  });

  it.each([['has spaces'], ['x'.repeat(129)], ['semi;colon']])('then an unusable id (%s) is replaced by a UUID', async (id) => {
    const answer = await send('GET', '/products', { 'x-request-id': id });
    const returned = answer.headers['x-request-id'];
    expect(returned).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.json().headers['x-request-id']).toBe(returned);
  });

  it('then without one the service and the client get the same new UUID', async () => {
    const answer = await send('GET', '/products');
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.json().headers['x-request-id']).toBe(answer.headers['x-request-id']);
  });
});

describe('when the gateway answers by itself', () => {
  it('then GET /health says ok without asking any service', async () => {
    const before = Object.values(upstreams.byService).reduce((n, u) => n + u.seen.length, 0);
    const answer = await send('GET', '/health');
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ status: 'ok' });
    expect(Object.values(upstreams.byService).reduce((n, u) => n + u.seen.length, 0)).toBe(before);
  });

  it.each(['/health/live', '/health/started', '/health/ready', '/identity/health/live'])('then %s of the services is not proxied (404)', async (path) => {
    const answer = await send('GET', path);
    expect(answer.status).toBe(404);
  });

  it('then an unknown path is a 404 problem', async () => {
    const answer = await send('GET', '/nowhere?x=1', { 'x-request-id': 'rid-404' });
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(answer.json()).toEqual({
      type: 'urn:problem-type:platform:not-found',
      title: 'Not Found',
      status: 404,
      detail: 'No route matches GET /nowhere.',
      instance: '/nowhere',
      requestId: 'rid-404',
    });
  });

  it('then a known path with another method is a 405 problem with Allow', async () => {
    const answer = await send('PUT', '/billing/invoices');
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST, GET');
    expect(answer.json()).toMatchObject({ type: 'urn:problem-type:platform:method-not-allowed', status: 405 });
  });
});

describe('when the request line or framing headers take an unusual form', () => {
  it('then an absolute-form target (as proxies send it) is routed by its path, and the service gets the origin form', async () => {
    const answer = await rawRequest(gateway.url, 'GET http://api.example.com/products?limit=1 HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(upstreams.byService.product.seen.at(-1)?.url).toBe('/products?limit=1');
  });

  it.each([
    ['a dot segment, percent-encoded (a URL parser would make it /billing/account)', 'http://h/products/%2e%2e/billing/account', 404],
    ['backslashes', 'http://h/products\\..\\billing\\account', 404],
    ['no path at all', 'http://h', 404],
    ['a query with quotes', "http://h/products?q='a'", 200],
  ])('then an absolute-form target with %s routes as its path in origin form would', async (_what, target, status) => {
    const answer = await rawRequest(gateway.url, `GET ${target} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
    expect(answer.status).toBe(status);
    if (status === 200) expect(upstreams.byService.product.seen.at(-1)?.url).toBe("/products?q='a'");
  });

  const withBody = 'Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}';
  it.each([
    ['two Host headers', `Host: a.example\r\nHost: b.example\r\n${withBody}`],
    ['a Host that is no host name', `Host: a b\r\n${withBody}`],
    ['a transfer coding other than chunked', 'Host: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n'],
  ])('then %s is a 400 problem, and no service is asked', async (_what, rest) => {
    const before = upstreams.byService.product.seen.length;
    const answer = await rawRequest(gateway.url, `POST /products HTTP/1.1\r\n${rest}`);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ type: 'urn:problem-type:platform:bad-request', requestId: answer.headers['x-request-id'] });
    expect(upstreams.byService.product.seen.length).toBe(before);
  });

  it.each(['Host: [::1]:8080', 'Host: api.example.com:443', 'Host: 127.0.0.1'])('then %s is a host, and the request goes on', async (host) => {
    const answer = await rawRequest(gateway.url, `GET /products HTTP/1.1\r\n${host}\r\nConnection: close\r\n\r\n`);
    expect(answer.status).toBe(200);
  });
});
