import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, loginAs, type TestTokens } from '../../support/auth';
import { Readable } from 'node:stream';
import { call, startTestGateway, startUpstream, type CallInit, type TestServer, type Upstream } from './support';
import { within } from '../../support/within';

const MAX_BODY = 1024;
/** The gateway's integration timeout here: short for the 504 test, long enough that the tests expecting 200 meet it on a busy host. */
const TIMEOUT_MS = 1_500;

let slow: Upstream;
let resetting: Upstream;
let product: Upstream;
let gateway: TestServer;
let user: TestTokens;
/** Nothing listens on port 1 of the loopback: connecting is refused at once. */
const unreachable = 'http://127.0.0.1:1';

beforeAll(async () => {
  product = await startUpstream('product', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'keep-alive': 'timeout=5', 'x-from-service': 'yes' });
    res.end('ok');
  });
  // Never answers within the gateway's (shortened) integration timeout.
  slow = await startUpstream('billing', (_req, res) => {
    const timer = setTimeout(() => res.end('{}'), TIMEOUT_MS * 20);
    res.on('close', () => clearTimeout(timer));
  });
  // Accepts the request, then drops the connection without a response.
  resetting = await startUpstream('identity', (req) => req.socket.destroy());
  user = await loginAs();
  gateway = await startTestGateway({
    upstreams: { product: product.url, billing: slow.url, identity: resetting.url },
    integrationTimeoutMs: TIMEOUT_MS,
    maxBodyBytes: MAX_BODY,
  });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([slow, resetting, product].map((u) => u?.close()));
});

const send = (method: string, path: string, init: CallInit = {}) => call(gateway.url, method, path, init);

describe('when the service takes longer than the integration timeout', () => {
  it('then the gateway answers 504 problem with the request id', async () => {
    const answer = await send('GET', '/billing/openapi.json', { headers: { 'x-request-id': 'slow-1' } });
    expect(answer.status).toBe(504);
    expect(answer.json()).toMatchObject({ type: 'urn:problem-type:platform:gateway-timeout', status: 504, requestId: 'slow-1' });
  });
});

describe('when the client gives up before the service answers', () => {
  it('then the gateway drops the request to the service too, instead of waiting for the timeout', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    let upstreamReached!: () => void;
    const reached = new Promise<void>((resolve) => (upstreamReached = resolve));
    const hanging = await startUpstream('billing', (_req, res) => {
      res.on('close', () => upstreamClosed());
      upstreamReached();
    });
    const patient = await startTestGateway({ upstreams: { product: product.url, billing: hanging.url, identity: resetting.url } });
    try {
      // The client gives up once the request is at the service, however long getting there took on a busy host.
      const giveUp = new AbortController();
      const attempt = call(patient.url, 'GET', '/billing/openapi.json', { signal: giveUp.signal });
      await within(10_000, 'the request reaching the service', reached);
      giveUp.abort();
      await expect(attempt).rejects.toThrow();
      await within(10_000, 'the gateway dropping its request to the service', closed); // its integration timeout here is 29 s
    } finally {
      await patient.close();
      await hanging.close();
    }
  });
});

describe('when the service cannot be reached', () => {
  it('then the gateway answers 503 problem with Retry-After', async () => {
    const down = await startTestGateway({ upstreams: { product: unreachable, billing: unreachable, identity: unreachable } });
    try {
      const answer = await call(down.url, 'GET', '/products', { headers: { 'x-request-id': 'down-1' } });
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.json()).toMatchObject({ type: 'urn:problem-type:platform:service-unavailable', requestId: 'down-1' });
    } finally {
      await down.close();
    }
  });
});

describe('when the service drops the connection without answering', () => {
  it('then the gateway answers 502 problem', async () => {
    const answer = await send('POST', '/identity/token', { body: '{}', headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(502);
    expect(answer.json()).toMatchObject({ type: 'urn:problem-type:platform:bad-gateway', status: 502 });
  });
});

describe('when the body is larger than the payload limit', () => {
  it('then a declared length over the limit is refused with 413 unread once the token is checked, and without a token is 401, as in AWS', async () => {
    const before = product.seen.length;
    const answer = await send('PATCH', '/products/p1', { body: 'x'.repeat(MAX_BODY + 1), headers: bearer(user) });
    expect(answer.status).toBe(413);
    expect(answer.json()).toMatchObject({ type: 'urn:problem-type:platform:body-too-large', status: 413 });
    // API Gateway's authorizer sees the request first; only past its own 10 MB does it answer 413 unauthorized.
    expect((await send('PATCH', '/products/p1', { body: 'x'.repeat(MAX_BODY + 1) })).status).toBe(401);
    expect(product.seen.length).toBe(before);
  });

  it('then a chunked body that grows past the limit is refused with 413', async () => {
    async function* chunks() {
      for (let i = 0; i < 8; i++) yield Buffer.alloc(MAX_BODY / 4, 'x');
    }
    const answer = await send('PATCH', '/products/p1', { body: Readable.from(chunks()), headers: bearer(user) });
    expect(answer.status).toBe(413);
  });

  it('then a body at the limit passes', async () => {
    const answer = await send('PATCH', '/products/p1', { body: 'x'.repeat(MAX_BODY), headers: bearer(user) });
    expect(answer.status).toBe(200);
  });
});

describe('when the service answers', () => {
  it('then its headers reach the client without hop-by-hop ones, with the gateway request id', async () => {
    const answer = await send('GET', '/products', { headers: { 'x-request-id': 'hop-1' } });
    expect(answer.text).toBe('ok');
    expect(answer.headers['x-from-service']).toBe('yes');
    expect(answer.headers['x-request-id']).toBe('hop-1');
    // The gateway's own connection has its own Keep-Alive; the service's (timeout=5) is not passed on.
    expect(answer.headers['keep-alive']).not.toBe('timeout=5');
  });
});
