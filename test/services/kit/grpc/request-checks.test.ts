/**
 * The internal RPC server against a caller that does not read its answers: a complete answer that stops leaving is
 * reset, so it no longer sits in the server's memory; one read slowly but steadily is sent whole.
 */
import { connect as connectHttp2, constants, type ClientHttp2Session } from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { create, toBinary } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetPricesRequestSchema, ProductCatalog } from '../../../../services/contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { Health, HealthCheckResponse_ServingStatus as Status } from '../../../../services/contracts/grpc/gen/grpc/health/v1/health_pb';
import { grpcHealth } from '../../../../services/kit/grpc/health';
import { serveGrpc, type RunningGrpcServer } from '../../../../services/kit/grpc/serve-grpc';
import { testLogger } from '../../../support/silent-logger';

const SEND_TIMEOUT_MS = 1_000;
let server: RunningGrpcServer;

beforeAll(async () => {
  // GetPrices echoes the ids as missing: 100 ids of 600 characters make an answer of about 60 KB, near a stream's window.
  server = await serveGrpc({ port: 0, host: '127.0.0.1', logger: testLogger, sendTimeoutMs: SEND_TIMEOUT_MS, routes: (router) => router.service(ProductCatalog, { getPrices: (req) => ({ missingProductIds: req.productIds }) }) });
});
afterAll(() => server?.close());

const request = () => {
  const message = toBinary(GetPricesRequestSchema, create(GetPricesRequestSchema, { productIds: Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(600, 'x')) }));
  const prefix = Buffer.from([0, 0, 0, 0, 0]);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
};

/** One GetPrices call over gRPC on `session`, which reads only when the test says (stream.read()). */
function call(session: ClientHttp2Session) {
  const stream = session.request({ ':method': 'POST', ':path': '/platform.product.v1.ProductCatalog/GetPrices', 'content-type': 'application/grpc', te: 'trailers' });
  stream.on('error', () => {});
  stream.end(request());
  const closed = new Promise<{ rstCode: number | undefined; grpcStatus?: string }>((resolve) => {
    let grpcStatus: string | undefined;
    stream.on('trailers', (trailers) => (grpcStatus = String(trailers['grpc-status'])));
    stream.on('close', () => resolve({ rstCode: stream.rstCode, grpcStatus }));
  });
  return { stream, closed };
}

describe('serveGrpc, when a caller is slow to read its answer', () => {
  it('when it never reads and keeps its connection alive with pings, then the stuck answer\'s stream is reset (CANCEL)', async () => {
    // A window of 0: the server may send no byte of any answer until the caller reads, which it never does.
    const session = connectHttp2(server.url, { settings: { initialWindowSize: 0 } });
    session.on('error', () => {});
    const pings = setInterval(() => session.destroyed || session.ping(() => {}), 50);
    try {
      const { closed } = call(session);
      // Bounded: without the limit the answer waits as long as the pings go on.
      expect(await Promise.race([closed, sleep(5_000, 'still open after 5 s')])).toEqual({ rstCode: constants.NGHTTP2_CANCEL, grpcStatus: undefined });
    } finally {
      clearInterval(pings);
      session.destroy();
    }
  });

  it('when it reads a little at a time, each within the limit, then the answer is sent whole though it takes longer', async () => {
    const session = connectHttp2(server.url);
    session.on('error', () => {});
    try {
      const { stream, closed } = call(session);
      let received = 0;
      const started = performance.now();
      // Reads 2 KB every 50 ms (the server looks every 500 ms): the stream's buffer full, each read lets a little more
      // come, so the answer takes about 30 reads, well past the limit.
      const reading = setInterval(() => (received += (stream.read(2048) ?? stream.read() ?? Buffer.alloc(0)).length), 50);
      const outcome = await Promise.race([closed, sleep(10_000, 'still open after 10 s')]).finally(() => clearInterval(reading));
      expect({ outcome, received }).toEqual({ outcome: { rstCode: constants.NGHTTP2_NO_ERROR, grpcStatus: '0' }, received: expect.any(Number) });
      expect(received).toBeGreaterThan(60_000);
      expect(performance.now() - started).toBeGreaterThan(SEND_TIMEOUT_MS);
    } finally {
      session.destroy();
    }
  });
});

describe('serveGrpc, when a Watch\'s caller never reads', () => {
  it('when its first status cannot leave (a window of 0, kept alive by pings), then the stream is reset and its watch slot is free again', async () => {
    const health = await serveGrpc({
      port: 0, host: '127.0.0.1', logger: testLogger, sendTimeoutMs: SEND_TIMEOUT_MS,
      routes: (router) => grpcHealth(router, { ready: async () => true, services: [], watchIntervalMs: 60_000, maxWatches: 1 }),
    });
    const session = connectHttp2(health.url, { settings: { initialWindowSize: 0 } });
    session.on('error', () => {});
    const pings = setInterval(() => session.destroyed || session.ping(() => {}), 50);
    try {
      const stream = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Watch', 'content-type': 'application/grpc', te: 'trailers' });
      stream.on('error', () => {});
      stream.end(Buffer.from([0, 0, 0, 0, 0])); // an empty HealthCheckRequest: the server's own status
      const rstCode = await Promise.race([new Promise((resolve) => stream.on('close', () => resolve(stream.rstCode))), sleep(5_000, 'still open after 5 s')]);
      expect(rstCode).toBe(constants.NGHTTP2_CANCEL);
      // The one slot (maxWatches: 1) is free for a prober that reads.
      const client = createClient(Health, createGrpcTransport({ baseUrl: health.url }));
      const stop = new AbortController();
      const first = await client.watch({ service: '' }, { signal: stop.signal })[Symbol.asyncIterator]().next().finally(() => stop.abort());
      expect(first.value?.status).toBe(Status.SERVING);
    } finally {
      clearInterval(pings);
      session.destroy();
      await health.close();
    }
  });
});
