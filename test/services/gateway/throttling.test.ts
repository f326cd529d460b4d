import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOptions } from '../../../services/gateway/gateway';
import { call, FakeClock, startEchoUpstreams, startTestGateway, type Problem, type TestServer, type Upstreams } from './support';

let upstreams: Upstreams;
const running: TestServer[] = [];

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
});

afterAll(async () => {
  await Promise.all(running.map((g) => g.close()));
  await upstreams?.close();
});

async function gatewayWith(options: Partial<GatewayOptions>): Promise<{ url: string; clock: FakeClock }> {
  const clock = new FakeClock();
  const gateway = await startTestGateway({ upstreams: upstreams.urls, clock: clock.now, ...options });
  running.push(gateway);
  return { url: gateway.url, clock };
}

/** `n` requests in flight at once; the statuses in answer order. */
async function burst(url: string, method: string, path: string, n: number, headers: Record<string, string> = {}) {
  const answers = await Promise.all(Array.from({ length: n }, () => call(url, method, path, { headers })));
  return answers;
}
const count = (answers: { status: number }[], status: number) => answers.filter((a) => a.status === status).length;

describe('when GATEWAY_RATE_LIMIT and GATEWAY_BURST_LIMIT are set', () => {
  it('then exactly `burst` of many concurrent requests pass at t=0, the rest get 429', async () => {
    const { url } = await gatewayWith({ throttleOverride: { rateLimit: 2, burstLimit: 5 } });
    const answers = await burst(url, 'GET', '/products', 30);
    expect(count(answers, 200)).toBe(5);
    expect(count(answers, 429)).toBe(25);
  });

  it('then after t seconds, rate × t more pass (±1)', async () => {
    const { url, clock } = await gatewayWith({ throttleOverride: { rateLimit: 4, burstLimit: 20 } });
    expect(count(await burst(url, 'GET', '/products', 25), 200)).toBe(20);
    clock.advance(2_500);
    const answers = await burst(url, 'GET', '/products', 30);
    expect(Math.abs(count(answers, 200) - 10)).toBeLessThanOrEqual(1);
  });

  it('then the 429 is a problem with Retry-After and the request id, and the service never sees it', async () => {
    const { url } = await gatewayWith({ throttleOverride: { rateLimit: 0.5, burstLimit: 1 } });
    await call(url, 'GET', '/products');
    const before = upstreams.byService.product.seen.length;
    const answer = await call(url, 'GET', '/products', { headers: { 'x-request-id': 'slow-down' } });
    expect(answer.status).toBe(429);
    expect(answer.headers['retry-after']).toBe('2');
    expect(answer.json<Problem>()).toEqual({
      type: 'urn:problem-type:platform:too-many-requests',
      title: 'Too Many Requests',
      status: 429,
      detail: expect.any(String),
      instance: '/products',
      requestId: 'slow-down',
    });
    expect(upstreams.byService.product.seen.length).toBe(before);
  });

  it('then the override also replaces a route\'s own limits', async () => {
    const { url } = await gatewayWith({ throttleOverride: { rateLimit: 1, burstLimit: 3 } });
    const answers = await burst(url, 'POST', '/identity/token', 10);
    expect(count(answers, 200)).toBe(3);
  });
});

describe('when the route table\'s limits apply (no override)', () => {
  it('then a route with its own throttle uses it: 80 of many sign-in attempts from 10 addresses pass at once', async () => {
    const { url } = await gatewayWith({});
    // 10 per address (the credential routes' per-client limit), 100 in all: sign-in's route bucket of 80 decides.
    const from = Array.from({ length: 10 }, (_, i) => `127.0.6.${i + 1}`);
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => call(url, 'POST', '/identity/token', { from: from[i % 10] })));
    expect(count(answers, 200)).toBe(80);
    expect(count(answers, 429)).toBe(20);
  });

  it('then each route without an override has its own bucket of the stage size', async () => {
    const { url } = await gatewayWith({ stageThrottle: { rateLimit: 1, burstLimit: 2 } });
    expect(count(await burst(url, 'GET', '/products', 5), 200)).toBe(2);
    // Another route, also on the stage default, is not drained by the first one…
    expect(count(await burst(url, 'GET', '/products/p1', 5), 200)).toBe(2);
    // …and neither is another method on the same path.
    expect(count(await burst(url, 'GET', '/billing/openapi.json', 5), 200)).toBe(2);
  });

  it('then requests the gateway answers itself (404, 405, /health) take no tokens', async () => {
    const { url } = await gatewayWith({ throttleOverride: { rateLimit: 1, burstLimit: 1 } });
    await burst(url, 'GET', '/nowhere', 5);
    await burst(url, 'PUT', '/products', 5);
    await burst(url, 'GET', '/health', 5);
    expect((await call(url, 'GET', '/products')).status).toBe(200);
  });
});
