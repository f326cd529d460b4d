/**
 * Product's internal API as main.ts serves it, in every stage: ProductCatalog and grpc.health.v1, nothing more. No
 * reflection service: a caller who reached the port learns no method from it (docs/billing.md, "Internal API").
 */
import { createConnectRouter } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { createProductGrpcRoutes } from '../../../services/product/app';
import { startProductHarness } from '../../support/product';

describe('createProductGrpcRoutes', () => {
  it('when main.ts registers Product\'s gRPC routes, then they are ProductCatalog and grpc.health.v1 only, never reflection', async () => {
    const product = await startProductHarness();
    try {
      const router = createConnectRouter();
      createProductGrpcRoutes({ unitOfWork: product.unitOfWork, ready: product.database.ping })(router);
      const paths = new Set(router.handlers.map((handler) => handler.requestPath));
      expect([...paths].sort()).toEqual([
        '/grpc.health.v1.Health/Check',
        '/grpc.health.v1.Health/Watch',
        '/platform.product.v1.ProductCatalog/GetPrices',
      ]);
    } finally {
      await product.close();
    }
  });
});
