/**
 * The internal RPC server's log: one line per call naming the method, the protocol and the code, inside the
 * caller's request id; an unexpected error is logged whole but answered without its message.
 */
import { Writable } from 'node:stream';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Health } from '../../../../services/contracts/grpc/gen/grpc/health/v1/health_pb';
import { ProductCatalog } from '../../../../services/contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { currentContext } from '../../../../services/kit/context';
import { grpcHealth } from '../../../../services/kit/grpc/health';
import { serveGrpc, type RunningGrpcServer } from '../../../../services/kit/grpc/serve-grpc';

const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
    done();
  },
});
// The services' logger stamps the request context's id on every line (services/kit/logger.ts); so does this one.
const logger = pino({ level: 'info', mixin: () => ({ requestId: currentContext()?.requestId }) }, sink);
let server: RunningGrpcServer;

beforeAll(async () => {
  server = await serveGrpc({
    port: 0,
    host: '127.0.0.1',
    logger,
    routes: (router) =>
      router.service(Health, {
        check: (req) => {
          if (req.service === 'boom') throw new Error('password=hunter2 in a stack trace');
          if (req.service !== '') throw new ConnectError('unknown service', Code.NotFound);
          return { status: 1 };
        },
        // eslint-disable-next-line require-yield
        async *watch() {
          throw new ConnectError('not here', Code.Unimplemented);
        },
      }),
  });
});
afterAll(() => server?.close());

const rpcLines = () => lines.filter((line) => line.msg === 'rpc');

describe('logCalls', () => {
  it('when calls succeed and fail, then each has one line with its method, protocol, code and the caller\'s request id', async () => {
    lines.length = 0;
    const grpc = createClient(Health, createGrpcTransport({ baseUrl: server.url }));
    const connect = createClient(Health, createConnectTransport({ baseUrl: server.url, httpVersion: '2' }));
    await grpc.check({}, { headers: { 'x-request-id': 'req-log-1' } });
    await connect.check({ service: 'nope' }).catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(rpcLines().map(({ rpc, protocol, code, level, requestId }) => ({ rpc, protocol, code, level, requestId }))).toEqual([
      { rpc: 'grpc.health.v1.Health/Check', protocol: 'grpc', code: 'ok', level: 30, requestId: 'req-log-1' },
      // No x-request-id from the caller: a fresh one, as the HTTP services do.
      { rpc: 'grpc.health.v1.Health/Check', protocol: 'connect', code: 'not_found', level: 30, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    ]);
    expect(rpcLines()[0]!.ms).toEqual(expect.any(Number));
    // A caller's mistake is no fault of the service: the deployment alarm must not count it.
    expect(rpcLines().map((line) => line.fault)).toEqual([undefined, undefined]);
  });

  it('when a handler throws an unexpected error, then the caller gets INTERNAL without its message and the log keeps it', async () => {
    lines.length = 0;
    const error = ConnectError.from(await createClient(Health, createGrpcTransport({ baseUrl: server.url })).check({ service: 'boom' }).catch((e: unknown) => e));
    expect({ code: error.code, message: error.rawMessage }).toEqual({ code: Code.Internal, message: 'internal error' });
    await new Promise((resolve) => setImmediate(resolve));
    const [line] = rpcLines();
    // The deployment alarm counts it as a fault of the service (services/contracts/server-faults.ts).
    expect(line).toMatchObject({ rpc: 'grpc.health.v1.Health/Check', code: 'internal', level: 50, fault: true });
    expect(JSON.stringify(line!.err)).toContain('password=hunter2 in a stack trace');
  });
});

describe('logCalls, when a call names a method the server does not have', () => {
  it('then it is answered 404 (UNIMPLEMENTED to gRPC clients) and has its line at info, no fault', async () => {
    lines.length = 0;
    const missing = createClient(ProductCatalog, createGrpcTransport({ baseUrl: server.url }));
    const error = ConnectError.from(await missing.getPrices({}, { headers: { 'x-request-id': 'req-probe-1' } }).catch((e: unknown) => e));
    expect(error.code).toBe(Code.Unimplemented);
    expect(rpcLines().map(({ rpc, protocol, code, level, requestId, fault }) => ({ rpc, protocol, code, level, requestId, fault }))).toEqual([
      { rpc: 'platform.product.v1.ProductCatalog/GetPrices', protocol: 'grpc', code: 'unimplemented', level: 30, requestId: 'req-probe-1', fault: undefined },
    ]);
  });
});

describe('logCalls, on a server-streaming call', () => {
  it('when its stream fails after the handler began, then its one line has the code the caller got, not ok', async () => {
    lines.length = 0;
    const watch = createClient(Health, createGrpcTransport({ baseUrl: server.url })).watch({}, { headers: { 'x-request-id': 'req-watch-1' } });
    const error = ConnectError.from(await (async () => {
      for await (const _answer of watch);
    })().catch((e: unknown) => e));
    expect(error.code).toBe(Code.Unimplemented);
    await expect.poll(() => rpcLines().length).toBe(1);
    expect(rpcLines().map(({ rpc, code, requestId }) => ({ rpc, code, requestId }))).toEqual([
      { rpc: 'grpc.health.v1.Health/Watch', code: 'unimplemented', requestId: 'req-watch-1' },
    ]);
  });
});

describe('logCalls, on a Watch its caller leaves', () => {
  it('when the caller goes away, then the call\'s one line comes then, as canceled at info, not as ok when it opened', async () => {
    const health = await serveGrpc({ port: 0, host: '127.0.0.1', logger, routes: (router) => grpcHealth(router, { ready: async () => true, services: [], watchIntervalMs: 20 }) });
    try {
      lines.length = 0;
      const stop = new AbortController();
      const watch = createClient(Health, createGrpcTransport({ baseUrl: health.url })).watch({}, { signal: stop.signal })[Symbol.asyncIterator]();
      expect((await watch.next()).done).toBe(false);
      expect(rpcLines()).toEqual([]);
      stop.abort();
      await expect.poll(() => rpcLines().map(({ rpc, code, level }) => ({ rpc, code, level }))).toEqual([{ rpc: 'grpc.health.v1.Health/Watch', code: 'canceled', level: 30 }]);
    } finally {
      await health.close();
    }
  });
});
