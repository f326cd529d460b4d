import path from 'node:path';
import type { Express } from 'express';
import { requireAdmin } from '../../services/kit/auth/middleware';
import { revocationAware, revocationListPg } from '../../services/kit/auth/revocations';
import { createDatabase, type Database } from '../../services/kit/db/database';
import { serveGrpc, type GrpcServeOptions, type RunningGrpcServer } from '../../services/kit/grpc/serve-grpc';
import type { ReadinessCheck } from '../../services/kit/http/health';
import { createProductApp, createProductGrpcRoutes } from '../../services/product/app';
import * as schema from '../../services/product/data-access/schema';
import { productUnitOfWork } from '../../services/product/data-access/unit-of-work';
import type { UnitOfWork } from '../../services/product/domain/ports';
import { testVerifier } from './auth';
import { migratedForAppRole } from './database';
import { testLogger } from './silent-logger';

export const PRODUCT_MIGRATIONS = path.resolve('services/product/data-access/migrations');

export interface ProductHarness {
  readonly app: Express;
  readonly database: Database<typeof schema>;
  /** The app's own storage, for seeding: `unitOfWork.products.insert(…)`. */
  readonly unitOfWork: UnitOfWork;
  close(): Promise<void>;
}

/** The Product app on a fresh, migrated database of its own, with real token verification. */
export async function startProductHarness(): Promise<ProductHarness> {
  // Migrated by the owner, used as the rows-only app role: as npm start and AWS run it.
  const testDb = await migratedForAppRole('product', PRODUCT_MIGRATIONS);
  const database = createDatabase({ connectionString: testDb.appUrl, schema, logger: testLogger });
  const unitOfWork = productUnitOfWork(database.db);
  const app = createProductApp({
    logger: testLogger,
    unitOfWork,
    // As main.ts builds it, without the one-second cache, so a test sees a revocation at once.
    requireAdmin: requireAdmin(revocationAware(testVerifier(), revocationListPg(database.db))),
    ready: database.ping,
    started: () => true,
  });
  return {
    app,
    database,
    unitOfWork,
    close: async () => {
      await database.close();
      await testDb.drop();
    },
  };
}

/**
 * Product's internal gRPC server on 127.0.0.1 and an ephemeral port, over a harness's storage: what main.ts
 * starts, with the unit of work a test may slow down or break (`unitOfWork`) and the readiness it answers from.
 */
export function startProductGrpc(
  product: Pick<ProductHarness, 'unitOfWork' | 'database'>,
  options: { unitOfWork?: UnitOfWork; ready?: ReadinessCheck } & Partial<Pick<GrpcServeOptions, 'readMaxBytes' | 'idleTimeoutMs' | 'shutdownTimeoutMs'>> = {},
): Promise<RunningGrpcServer> {
  const { unitOfWork = product.unitOfWork, ready = product.database.ping, ...limits } = options;
  return serveGrpc({ port: 0, host: '127.0.0.1', logger: testLogger, routes: createProductGrpcRoutes({ unitOfWork, ready }), ...limits });
}

/**
 * Product's gRPC server on its own storage, telling `onLookup` the ids of each price lookup that reaches the
 * repository: one call per GetPrices, so a test counts Product's calls and what each asked for.
 */
export function startProductGrpcWatchingLookups(product: ProductHarness, onLookup: (ids: string[]) => void): Promise<RunningGrpcServer> {
  const repository = product.unitOfWork.products;
  const products = { ...repository, findPrices: (ids: readonly string[]) => (onLookup([...ids]), repository.findPrices(ids)) };
  return startProductGrpc(product, { unitOfWork: { ...product.unitOfWork, products } });
}
