/**
 * Product's internal API on a real port: ProductCatalog.GetPrices over the three protocols the server speaks,
 * grpc.health.v1, and /health/ready covering the gRPC port.
 */
import { randomUUID } from 'node:crypto';
import { connect as connectHttp2 } from 'node:http2';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Health, HealthCheckResponse_ServingStatus as Status } from '../../../../../services/contracts/grpc/gen/grpc/health/v1/health_pb';
import { ProductCatalog } from '../../../../../services/contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { GET_PRICES_MAX_IDS } from '../../../../../services/contracts/grpc/limits';
import type { RunningGrpcServer } from '../../../../../services/kit/grpc/serve-grpc';
import { readyWithGrpc, startedWithGrpc } from '../../../../../services/kit/grpc/health-probe';
import { createProductApp } from '../../../../../services/product/app';
import { requireAdmin } from '../../../../../services/kit/auth/middleware';
import type { Product } from '../../../../../services/product/domain/product';
import { testVerifier } from '../../../../support/auth';
import { startProductGrpc, startProductHarness, type ProductHarness } from '../../../../support/product';
import { testLogger } from '../../../../support/silent-logger';

let harness: ProductHarness;
let server: RunningGrpcServer;
let widget: Product;
let retired: Product;

beforeAll(async () => {
  harness = await startProductHarness();
  server = await startProductGrpc(harness);
  const { products } = harness.unitOfWork;
  widget = await products.insert({ sku: `W-${randomUUID()}`, name: 'Widget', priceCents: 1250, currency: 'EUR' });
  retired = await products.insert({ sku: `R-${randomUUID()}`, name: 'Retired', priceCents: 99 });
  await products.update(retired.id, { active: false });
});
afterAll(async () => {
  await server?.close();
  await harness?.close();
});

const TRANSPORTS: Record<string, (baseUrl: string) => Transport> = {
  gRPC: (baseUrl) => createGrpcTransport({ baseUrl }),
  'gRPC-Web': (baseUrl) => createGrpcWebTransport({ baseUrl, httpVersion: '2' }),
  Connect: (baseUrl) => createConnectTransport({ baseUrl, httpVersion: '2' }),
};
const catalog = (protocol = 'gRPC') => createClient(ProductCatalog, TRANSPORTS[protocol]!(server.url));

describe('ProductCatalog.GetPrices', () => {
  it.each(Object.keys(TRANSPORTS))('when asked over %s for known and unknown ids, then one answer says which is which', async (protocol) => {
    const unknown = randomUUID();
    const answer = await catalog(protocol).getPrices({ productIds: [widget.id, retired.id, unknown, 'not-a-uuid'] });
    expect(answer.prices.map(({ productId, sku, name, priceCents, currency, active }) => ({ productId, sku, name, priceCents, currency, active })).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { productId: retired.id, sku: retired.sku, name: 'Retired', priceCents: 99, currency: 'USD', active: false },
      { productId: widget.id, sku: widget.sku, name: 'Widget', priceCents: 1250, currency: 'EUR', active: true },
    ]);
    expect(answer.missingProductIds.sort()).toEqual([unknown, 'not-a-uuid'].sort());
  });

  it('when an id is repeated or upper-case, then the product is answered once and nothing is missing', async () => {
    const answer = await catalog().getPrices({ productIds: [widget.id, widget.id.toUpperCase(), widget.id] });
    expect(answer.prices.map((p) => p.productId)).toEqual([widget.id]);
    expect(answer.missingProductIds).toEqual([]);
  });

  it('when asked for no ids, then it answers an empty list', async () => {
    const answer = await catalog().getPrices({ productIds: [] });
    expect({ prices: answer.prices, missing: answer.missingProductIds }).toEqual({ prices: [], missing: [] });
  });

  it('when asked for as many distinct ids as the contract allows, then it answers them all; one more answers INVALID_ARGUMENT', async () => {
    const most = [widget.id, ...Array.from({ length: GET_PRICES_MAX_IDS - 1 }, () => randomUUID())];
    const answer = await catalog().getPrices({ productIds: most });
    expect(answer.prices).toHaveLength(1);
    expect(answer.missingProductIds).toHaveLength(GET_PRICES_MAX_IDS - 1);
    const error = await catalog().getPrices({ productIds: [...most, randomUUID()] }).catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toContain(`At most ${GET_PRICES_MAX_IDS} distinct product ids per lookup; got ${GET_PRICES_MAX_IDS + 1}`);
  });

  it('when a request message is over 64 KiB, then it answers RESOURCE_EXHAUSTED without looking anything up', async () => {
    const huge = Array.from({ length: 50 }, () => 'x'.repeat(2_000));
    const error = await catalog().getPrices({ productIds: huge }).catch((e: unknown) => ConnectError.from(e));
    expect((error as ConnectError).code).toBe(Code.ResourceExhausted);
  });

  it('when the database fails, then it answers INTERNAL without the database\'s message', async () => {
    const broken = await startProductGrpc(harness, {
      unitOfWork: { ...harness.unitOfWork, products: { ...harness.unitOfWork.products, findPrices: () => Promise.reject(new Error('relation "secret_table" does not exist')) } },
    });
    try {
      const error = ConnectError.from(await createClient(ProductCatalog, createGrpcTransport({ baseUrl: broken.url })).getPrices({ productIds: [widget.id] }).catch((e: unknown) => e));
      expect(error.code).toBe(Code.Internal);
      expect(error.rawMessage).toBe('internal error');
    } finally {
      await broken.close();
    }
  });
});

describe('ProductCatalog.GetPrices and the caller\'s deadline', () => {
  it('when Product is slower than the deadline, then Product itself answers DEADLINE_EXCEEDED at the deadline', async () => {
    // Product's query waits on a lock held here; a raw HTTP/2 caller that never gives up shows what Product answers.
    const holder = await harness.database.pool.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');
    const session = connectHttp2(server.url);
    try {
      const id = Buffer.from(widget.id);
      const message = Buffer.concat([Buffer.from([0x0a, id.length]), id]); // field 1 (product_ids), one id
      const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
      const started = performance.now();
      const status = await new Promise<string | undefined>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': '/platform.product.v1.ProductCatalog/GetPrices', 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '200m' });
        let grpcStatus: string | undefined;
        stream.on('response', (headers) => (grpcStatus ??= headers['grpc-status'] as string | undefined));
        stream.on('trailers', (trailers) => (grpcStatus ??= trailers['grpc-status'] as string | undefined));
        stream.on('data', () => {});
        stream.on('end', () => resolve(grpcStatus));
        stream.on('error', reject);
        stream.end(frame);
      });
      expect(Number(status)).toBe(Code.DeadlineExceeded);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      session.close();
      await holder.query('ROLLBACK');
      holder.release();
    }
  });
});

describe('grpc.health.v1', () => {
  const health = () => createClient(Health, createGrpcTransport({ baseUrl: server.url }));

  it.each(['', 'platform.product.v1.ProductCatalog'])('when asked about "%s" while the database answers, then it is SERVING', async (service) => {
    expect((await health().check({ service })).status).toBe(Status.SERVING);
  });

  it('when asked about a service it does not serve, then it answers NOT_FOUND', async () => {
    const error = ConnectError.from(await health().check({ service: 'platform.billing.v1.Nothing' }).catch((e: unknown) => e));
    expect(error.code).toBe(Code.NotFound);
  });

  it('when the service is not ready, then it is NOT_SERVING', async () => {
    const unready = await startProductGrpc(harness, { ready: async () => false });
    try {
      expect((await createClient(Health, createGrpcTransport({ baseUrl: unready.url })).check({})).status).toBe(Status.NOT_SERVING);
    } finally {
      await unready.close();
    }
  });
});

describe('GET /health/ready with the gRPC port', () => {
  it('when the gRPC port answers, then Product is ready and started; once it is closed, then both are 503 naming it', async () => {
    const grpc = await startProductGrpc(harness);
    const app = createProductApp({
      logger: testLogger,
      unitOfWork: harness.unitOfWork,
      requireAdmin: requireAdmin(testVerifier()),
      ready: readyWithGrpc(harness.database.ping, grpc.url),
      started: startedWithGrpc(() => true, grpc.server),
    });
    expect((await request(app).get('/health/ready')).status).toBe(200);
    expect((await request(app).get('/health/started')).status).toBe(200);
    await grpc.close();
    const stopped = await request(app).get('/health/started');
    expect(stopped.status).toBe(503);
    expect(stopped.body).toMatchObject({ detail: 'The internal gRPC port does not listen.' });
    const res = await request(app).get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body.detail).toBe('The internal gRPC port does not answer.');
  });
});
