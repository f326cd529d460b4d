/**
 * Product while its database cannot be reached (down, restarting, failing over): anonymous reads get 503 with
 * Retry-After, not a 500 that says "a bug", and Billing's price lookups get UNAVAILABLE, which it retries.
 */
import { randomUUID } from 'node:crypto';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductCatalog } from '../../../services/contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { requireAdmin } from '../../../services/kit/auth/middleware';
import { revocationAware, revocationListPg } from '../../../services/kit/auth/revocations';
import { createDatabase, type Database } from '../../../services/kit/db/database';
import type { RunningGrpcServer } from '../../../services/kit/grpc/serve-grpc';
import { freePort } from '../../../services/local/free-port';
import { createProductApp } from '../../../services/product/app';
import * as schema from '../../../services/product/data-access/schema';
import { productUnitOfWork } from '../../../services/product/data-access/unit-of-work';
import { testVerifier } from '../../support/auth';
import { startProductGrpc } from '../../support/product';
import { testLogger } from '../../support/silent-logger';

let database: Database<typeof schema>;
let grpc: RunningGrpcServer;
let app: ReturnType<typeof createProductApp>;

beforeAll(async () => {
  // Nothing listens there: every connection is refused, as while the instance reboots.
  database = createDatabase({ connectionString: `postgres://product_app@127.0.0.1:${await freePort()}/product`, schema, logger: testLogger });
  const unitOfWork = productUnitOfWork(database.db);
  app = createProductApp({
    logger: testLogger,
    unitOfWork,
    requireAdmin: requireAdmin(revocationAware(testVerifier(), revocationListPg(database.db))),
    ready: database.ping,
    started: () => true,
  });
  grpc = await startProductGrpc({ unitOfWork, database });
});
afterAll(async () => {
  await grpc?.close();
  await database?.close();
});

describe('Product with its database unreachable', () => {
  it.each(['/products', `/products/${randomUUID()}`])('when anyone reads %s, then it answers 503 problem+json with Retry-After and a request id', async (path) => {
    const res = await request(app).get(path);
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toMatchObject({ type: 'urn:problem-type:platform:service-unavailable', status: 503, requestId: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });

  it('when Billing asks for prices over gRPC, then it gets UNAVAILABLE, a code it retries', async () => {
    const client = createClient(ProductCatalog, createGrpcTransport({ baseUrl: grpc.url }));
    const error = await client.getPrices({ productIds: [randomUUID()] }).then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(error?.code).toBe(Code.Unavailable);
    expect(error?.rawMessage).toBe('Product\'s database cannot be reached right now.');
  });
});
