/**
 * Billing's HTTP service as services/billing/main.ts composes it (config, database, migrations, token checks,
 * the catalogue adapter the config names), without the event bus: creating an invoice publishes nothing, and the
 * bench needs no SNS/SQS. BENCH_CATALOG=in-process swaps the catalogue for the bench-only baseline: Product's own
 * lookup use case on Product's database (PRODUCT_DATABASE_URL), called in this process, with no network between,
 * its lookups shared under load as the gRPC adapter shares them.
 */
import { createBillingApp } from '../../services/billing/app';
import { billingConfigSchema } from '../../services/billing/config';
import { batchedLookups } from '../../services/billing/data-access/product-catalog-batches';
import { productCatalogFromConfig } from '../../services/billing/data-access/product-catalog-from-config';
import { DEFAULT_BATCH_WINDOW_MS } from '../../services/billing/data-access/product-catalog-grpc';
import * as billingSchema from '../../services/billing/data-access/schema';
import { billingUnitOfWork } from '../../services/billing/data-access/unit-of-work';
import type { CatalogProduct } from '../../services/billing/domain/invoice';
import type { ProductCatalog } from '../../services/billing/domain/ports';
import { GET_PRICES_MAX_IDS } from '../../services/contracts/grpc/limits';
import { verifierFromConfig } from '../../services/kit/auth/from-config';
import { requireUser } from '../../services/kit/auth/middleware';
import { loadConfig } from '../../services/kit/config';
import { createDatabase } from '../../services/kit/db/database';
import { migrateInBackground } from '../../services/kit/db/migrate';
import { readyAfter, startedAfter } from '../../services/kit/http/health';
import { closeOnSignals, serve } from '../../services/kit/http/serve';
import { createLogger, type Logger } from '../../services/kit/logger';
import { runMain } from '../../services/kit/run';
import * as productSchema from '../../services/product/data-access/schema';
import { productUnitOfWork } from '../../services/product/data-access/unit-of-work';
import { productUseCases } from '../../services/product/domain/product-use-cases';

function inProcessCatalog(databaseUrl: string, logger: Logger): ProductCatalog & { close(): Promise<void> } {
  const database = createDatabase({ connectionString: databaseUrl, schema: productSchema, logger });
  const products = productUseCases({ unitOfWork: productUnitOfWork(database.db) });
  // Lookups shared as the gRPC adapter shares them (its default window), so the baseline differs from it by the
  // network and the protocol only: without sharing, it ran one query per invoice where gRPC ran one per several.
  const lookups = batchedLookups({
    maxIds: GET_PRICES_MAX_IDS,
    windowMs: DEFAULT_BATCH_WINDOW_MS,
    async run(batch) {
      const { found } = await products.lookUpPrices(batch.ids);
      return new Map(found.map((p): [string, CatalogProduct] => [p.id.toLowerCase(), { id: p.id, sku: p.sku, name: p.name, priceCents: p.priceCents, currency: p.currency, active: p.active }]));
    },
  });
  return {
    async findProducts(ids, { signal } = {}) {
      const byId = await lookups.load([...new Set(ids)], signal);
      return new Map(ids.map((id) => [id, byId.get(id.toLowerCase())]));
    },
    close: database.close,
  };
}

runMain('billing', async () => {
  const config = loadConfig(billingConfigSchema);
  const logger = createLogger({ service: 'billing', level: config.LOG_LEVEL });
  const database = createDatabase({ connectionString: config.DATABASE_URL, schema: billingSchema, poolMax: config.DATABASE_POOL_MAX, logger });
  const migrations = migrateInBackground(database.pool, config, 'billing', logger, billingSchema);
  const inProcess = process.env.BENCH_CATALOG === 'in-process';
  const productCatalog = inProcess ? inProcessCatalog(process.env.PRODUCT_DATABASE_URL!, logger) : productCatalogFromConfig(config, logger);
  const app = createBillingApp({
    logger,
    unitOfWork: billingUnitOfWork(database.db),
    productCatalog,
    requireUser: requireUser(verifierFromConfig(config)),
    ready: readyAfter(migrations, database.ping),
    started: startedAfter(migrations),
  });
  const server = await serve(app, { port: config.PORT, host: config.HOST, logger, onClose: [productCatalog.close, database.close] });
  closeOnSignals(server.close, logger);
});
