/**
 * The internal RPC server against requests connect-node cannot take as they come: each is answered as the caller's
 * mistake, and the process (here, the test's own) keeps serving.
 */
import { connect as connectHttp2, constants } from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Health } from '../../../../services/contracts/grpc/gen/grpc/health/v1/health_pb';
import { ProductCatalog } from '../../../../services/contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { serveGrpc, type RunningGrpcServer } from '../../../../services/kit/grpc/serve-grpc';
import { testLogger } from '../../../support/silent-logger';

let server: RunningGrpcServer;

beforeAll(async () => {
  server = await serveGrpc({
    port: 0,
    host: '127.0.0.1',
    logger: testLogger,
    routes: (router) =>
      router
        .service(Health, {
          check: () => ({ status: 1 }),
          async *watch() {},
        })
        // A method with no side effects, which the Connect protocol also takes as a GET.
        .service(ProductCatalog, { getPrices: (req) => ({ missingProductIds: req.productIds }) }),
  });
});
afterAll(() => server?.close());

/** One request on a connection of its own (the server speaks h2c only); its HTTP status and body. */
function send(headers: Record<string, string>, body?: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const session = connectHttp2(server.url);
    session.on('error', reject);
    const stream = session.request(headers);
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on('response', (answer) => (status = Number(answer[':status'])));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => (session.close(), resolve({ status, body: Buffer.concat(chunks) })));
    stream.on('error', (error) => (session.close(), reject(error)));
    stream.end(body);
  });
}

/** One Connect-protocol Check, sent with the given `:authority`. */
async function checkWithAuthority(authority: string): Promise<{ status: number; body: string }> {
  const answer = await send({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', ':authority': authority, 'content-type': 'application/json' }, '{}');
  return { status: answer.status, body: answer.body.toString() };
}

describe('serveGrpc, when a request names an authority', () => {
  it.each([['a port past 65535', 'a:99999999'], ['a lone bracket', '[']])(
    'when it is %s, which no URL can hold, then it answers 400 and the server keeps serving',
    async (_what, authority) => {
      const answer = await checkWithAuthority(authority);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatch(/:authority/);
      const health = createClient(Health, createGrpcTransport({ baseUrl: server.url }));
      expect((await health.check({ service: '' }, { timeoutMs: 2_000 })).status).toBe(1);
    },
  );

  it('when it is a host and port, then the call is served', async () => {
    expect(await checkWithAuthority('product-grpc:3012')).toEqual({ status: 200, body: '{"status":"SERVING"}' });
  });
});

describe('serveGrpc, when a Connect GET carries its message in the query', () => {
  const get = (query: string) => send({ ':method': 'GET', ':path': `/platform.product.v1.ProductCatalog/GetPrices?connect=v1&encoding=proto&${query}` });

  it.each([['characters base64 has not', '***'], ['one character too many', 'CgFhY']])(
    'when the base64 message has %s, then it answers 400 invalid_argument naming the message, not 500 internal',
    async (_what, message) => {
      const answer = await get(`base64=1&message=${message}`);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body.toString())).toEqual({ code: 'invalid_argument', message: 'The message query parameter is not base64.' });
    },
  );

  it('when the message is base64 (url-safe, unpadded) protobuf, then the call is served', async () => {
    // GetPricesRequest { product_ids: ["a"] }: field 1, length 1, "a".
    const answer = await get('base64=1&message=CgFh');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(Buffer.from([0x12, 1, 0x61]));
  });
});

describe('serveGrpc, when a call\'s request is slow to arrive', () => {
  let slow: RunningGrpcServer;
  beforeAll(async () => {
    slow = await serveGrpc({
      port: 0,
      host: '127.0.0.1',
      logger: testLogger,
      requestTimeoutMs: 500,
      routes: (router) =>
        router
          .service(Health, {
            check: async () => (await sleep(800), { status: 1 }),
            async *watch() {},
          })
          .service(ProductCatalog, { getPrices: async (req) => (await sleep(800), { missingProductIds: req.productIds }) }),
    });
  });
  afterAll(() => slow?.close());

  it('when its bytes trickle in past the limit, each before the idle timeout, then the stream is reset (CANCEL)', async () => {
    const session = connectHttp2(slow.url);
    session.on('error', () => {});
    const stream = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/json' });
    stream.on('error', () => {});
    stream.write('{');
    const trickle = setInterval(() => stream.closed || stream.write(' '), 100);
    const closed = new Promise<number>((resolve) => stream.on('close', () => resolve(stream.rstCode ?? -1)));
    try {
      // Bounded: without the limit the stream would stay open as long as the trickle goes on.
      expect(await Promise.race([closed, sleep(5_000, 'still open after 5 s')])).toBe(constants.NGHTTP2_CANCEL);
    } finally {
      clearInterval(trickle);
      session.destroy();
    }
  });

  it('when a Connect GET brings its whole request in its headers and the answer takes longer than the limit, then it is answered', async () => {
    const session = connectHttp2(slow.url);
    session.on('error', () => {});
    try {
      // GetPricesRequest { product_ids: ["a"] }, as above.
      const stream = session.request({ ':method': 'GET', ':path': '/platform.product.v1.ProductCatalog/GetPrices?connect=v1&encoding=proto&base64=1&message=CgFh' });
      stream.on('error', () => {});
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on('response', (answer) => (status = Number(answer[':status'])));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      const rstCode = await new Promise<number>((resolve) => stream.on('close', () => resolve(stream.rstCode ?? -1)));
      expect({ status, rstCode, body: Buffer.concat(chunks) }).toEqual({ status: 200, rstCode: constants.NGHTTP2_NO_ERROR, body: Buffer.from([0x12, 1, 0x61]) });
    } finally {
      session.destroy();
    }
  });

  it('when the request arrives at once and the answer takes longer than the limit, then it is answered', async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: slow.url }));
    expect((await health.check({ service: '' }, { timeoutMs: 5_000 })).status).toBe(1);
  });
});
