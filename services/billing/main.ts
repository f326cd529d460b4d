/** Composition root of the Billing service: config → database → Product client → app → listen. */
import { verifierFromConfig } from '../platform/auth/from-config';
import { requireUser } from '../platform/auth/middleware';
import { loadConfig } from '../platform/config';
import { createDatabase, migrateWithLock } from '../platform/db/database';
import { closeOnSignals, serve } from '../platform/http/serve';
import { createLogger } from '../platform/logger';
import { runMain } from '../platform/run';
import { createBillingApp } from './app';
import { billingConfigSchema } from './config';
import { outboxEvents } from './data-access/outbox-events';
import { createProductClient } from './data-access/product-client';
import * as schema from './data-access/schema';
import { billingUnitOfWork } from './data-access/unit-of-work';

runMain('billing', async () => {
  const config = loadConfig(billingConfigSchema);
  const logger = createLogger({ service: 'billing', level: config.LOG_LEVEL });
  const database = createDatabase({ connectionString: config.DATABASE_URL, schema, poolMax: config.DATABASE_POOL_MAX, logger });
  await migrateWithLock(database.pool, config.MIGRATIONS_DIR, 'billing', logger);
  const catalog = createProductClient({ baseUrl: config.PRODUCT_SERVICE_URL, timeoutMs: config.PRODUCT_TIMEOUT_MS, logger });

  const app = createBillingApp({
    logger,
    store: billingUnitOfWork(database.db, outboxEvents),
    catalog,
    requireUser: requireUser(verifierFromConfig(config)),
    ready: database.ping,
  });

  const server = await serve(app, {
    port: config.PORT,
    host: config.HOST,
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onClose: [catalog.close, database.close],
  });
  closeOnSignals(server.close, logger);
  logger.info({ url: server.url }, 'billing service listening');
});
