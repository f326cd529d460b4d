/** grpc.health.v1's Watch, on a real Connect router (in-memory transport): what a long-lived prober sees. */
import { getEventListeners } from 'node:events';
import { Code, ConnectError, createClient, createRouterTransport, type Interceptor } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { describe, expect, it } from 'vitest';
import { Health, HealthCheckResponse_ServingStatus as Status } from '../../../../services/contracts/grpc/gen/grpc/health/v1/health_pb';
import { grpcHealth } from '../../../../services/kit/grpc/health';
import { serveGrpc } from '../../../../services/kit/grpc/serve-grpc';
import { testLogger } from '../../../support/silent-logger';

/** A Watch client on a router serving grpcHealth; `calls` collects each call's signal, as the handler gets it. */
function watcher(ready: () => Promise<boolean>, calls: AbortSignal[] = []) {
  const keepSignal: Interceptor = (next) => (req) => {
    calls.push(req.signal);
    return next(req);
  };
  const transport = createRouterTransport((router) => grpcHealth(router, { ready, services: ['platform.test.v1.Thing'], watchIntervalMs: 2 }), {
    router: { interceptors: [keepSignal] },
  });
  return createClient(Health, transport);
}

describe('grpc.health.v1 Watch', () => {
  it('when the status changes, then it is sent at once and then only on a change', async () => {
    let checks = 0;
    const stop = new AbortController();
    const seen: Status[] = [];
    // Ready for the first 5 checks, not ready for the next 5, then ready again.
    const health = watcher(async () => Math.floor(checks++ / 5) % 2 === 0);
    for await (const answer of health.watch({ service: '' }, { signal: stop.signal })) {
      seen.push(answer.status);
      if (seen.length === 3) break;
    }
    stop.abort();
    expect(seen).toEqual([Status.SERVING, Status.NOT_SERVING, Status.SERVING]);
  });

  it('when a watch lasts many re-checks, then the call keeps no listener per re-check', async () => {
    const calls: AbortSignal[] = [];
    let checks = 0;
    let listeners = 0;
    const health = watcher(async () => {
      if (++checks === 50) listeners = getEventListeners(calls[0]!, 'abort').length;
      return true;
    }, calls);
    const stop = new AbortController();
    const watching = (async () => {
      for await (const _answer of health.watch({ service: '' }, { signal: stop.signal }));
    })().catch(() => {});
    await expect.poll(() => checks, { timeout: 10_000, interval: 5 }).toBeGreaterThanOrEqual(50);
    stop.abort();
    await watching;
    expect(calls).toHaveLength(1);
    expect(listeners).toBeLessThan(5);
  });
});

describe('grpc.health.v1 on a busy internal port', () => {
  it('when many checks and watches arrive together, then they share one readiness check instead of a database query each', async () => {
    let checks = 0;
    const ready = async () => {
      checks++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return true;
    };
    const transport = createRouterTransport((router) => grpcHealth(router, { ready, services: [], watchIntervalMs: 60_000, readyFreshMs: 60_000 }));
    const health = createClient(Health, transport);
    const stop = new AbortController();
    const firstOfWatch = async () => {
      for await (const answer of health.watch({ service: '' }, { signal: stop.signal })) return answer.status;
      return undefined;
    };
    const answers = await Promise.all([
      ...Array.from({ length: 100 }, async () => (await health.check({ service: '' })).status),
      ...Array.from({ length: 50 }, firstOfWatch),
    ]);
    stop.abort();
    expect(answers.every((status) => status === Status.SERVING)).toBe(true);
    expect(checks).toBe(1);
  });

  it('when the shared answer is older than readyFreshMs, then the next call checks again and sees the change', async () => {
    let isReady = true;
    let checks = 0;
    const transport = createRouterTransport((router) =>
      grpcHealth(router, { ready: async () => (checks++, isReady), services: [], readyFreshMs: 500 }),
    );
    const health = createClient(Health, transport);
    expect((await health.check({ service: '' })).status).toBe(Status.SERVING);
    isReady = false;
    expect((await health.check({ service: '' })).status).toBe(Status.SERVING); // still fresh
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await health.check({ service: '' })).status).toBe(Status.NOT_SERVING);
    expect(checks).toBe(2);
  });
});

describe('grpc.health.v1 Watch, when callers open more watches than allowed', () => {
  it('when maxWatches are open, then one more is RESOURCE_EXHAUSTED, and a watch that ends makes room', async () => {
    // On a real port: a caller's going away reaches the handler as it does in production.
    const server = await serveGrpc({ port: 0, host: '127.0.0.1', logger: testLogger, routes: (router) => grpcHealth(router, { ready: async () => true, services: [], watchIntervalMs: 60_000, maxWatches: 2 }) });
    const health = createClient(Health, createGrpcTransport({ baseUrl: server.url }));
    const stops = [new AbortController(), new AbortController(), new AbortController()];
    // An open watch has had its first answer and stays open until its stop.
    const open = (stop: AbortController) => health.watch({ service: '' }, { signal: stop.signal })[Symbol.asyncIterator]();
    try {
      for (const stop of stops.slice(0, 2)) expect((await open(stop).next()).value?.status).toBe(Status.SERVING);
      expect(await open(new AbortController()).next().catch((error: unknown) => ConnectError.from(error).code)).toBe(Code.ResourceExhausted);
      stops[0]!.abort();
      // Room comes once the server has seen the first watch's stream reset: asked again until then, for up to 10 s
      // (the poll's default second was not enough on a loaded host, where that reset took longer to arrive).
      await expect.poll(async () => (await open(stops[2]!).next().catch(() => undefined))?.value?.status, { timeout: 10_000 }).toBe(Status.SERVING);
    } finally {
      stops.forEach((stop) => stop.abort());
      await server.close();
    }
  });
});

describe('grpc.health.v1 while the database is slow', () => {
  it('when a readiness check runs longer than readyFreshMs, then later calls share it instead of starting another', async () => {
    let checks = 0;
    let answer = (_ready: boolean) => {};
    const ready = () => {
      checks++;
      return new Promise<boolean>((resolve) => (answer = resolve));
    };
    const transport = createRouterTransport((router) => grpcHealth(router, { ready, services: [], readyFreshMs: 20 }));
    const health = createClient(Health, transport);
    const calls = [];
    for (let i = 0; i < 5; i++) {
      calls.push(health.check({ service: '' }));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(checks).toBe(1);
    answer(false);
    expect((await Promise.all(calls)).map((call) => call.status)).toEqual(Array(5).fill(Status.NOT_SERVING));
    // Settled and stale: the next call checks again.
    const next = health.check({ service: '' });
    await expect.poll(() => checks).toBe(2);
    answer(true);
    expect((await next).status).toBe(Status.SERVING);
  });
});
