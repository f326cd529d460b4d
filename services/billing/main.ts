/** Composition root of the Billing service: config → database → Product catalogue → app → bus → listen. */
import { verifierFromConfig } from '../kit/auth/from-config';
import { requireUser } from '../kit/auth/middleware';
import { loadConfig } from '../kit/config';
import { createDatabase } from '../kit/db/database';
import { migrateInBackground } from '../kit/db/migrate';
import { readyAfter } from '../kit/http/health';
import { closeOnSignals, serve } from '../kit/http/serve';
import { createLogger } from '../kit/logger';
import { createInbox } from '../kit/inbox/inbox';
import { runMain } from '../kit/run';
import { dispatchByType, serviceBusAfter } from '../kit/bus/service-bus';
import { parseEvent } from '../contracts/events';
import { createBillingApp } from './app';
import { billingConfigSchema } from './config';
import { productCatalogHttp } from './data-access/product-catalog-http';
import * as schema from './data-access/schema';
import { billingUnitOfWork } from './data-access/unit-of-work';
import { billingEventHandlers } from './entry-points/events/handlers';

runMain('billing', async () => {
  const config = loadConfig(billingConfigSchema);
  const logger = createLogger({ service: 'billing', level: config.LOG_LEVEL });
  const database = createDatabase({ connectionString: config.DATABASE_URL, schema, poolMax: config.DATABASE_POOL_MAX, logger });
  // Run while the server already answers /health/live; /health/ready says 503 until they are done.
  const migrations = migrateInBackground(database.pool, config, 'billing', logger);
  const productCatalog = productCatalogHttp({ baseUrl: config.PRODUCT_SERVICE_URL, timeoutMs: config.PRODUCT_TIMEOUT_MS, logger });

  const app = createBillingApp({
    logger,
    unitOfWork: billingUnitOfWork(database.db),
    productCatalog,
    requireUser: requireUser(verifierFromConfig(config)),
    ready: readyAfter(migrations, database.ping),
  });

  const inbox = createInbox(database.db, billingUnitOfWork);
  const bus = serviceBusAfter(migrations.finished, {
    service: 'billing',
    env: config,
    databaseUrl: config.DATABASE_URL,
    logger,
    produces: true,
    consumer: { parse: parseEvent, handle: dispatchByType(billingEventHandlers({ inbox, logger })) },
  });

  const server = await serve(app, {
    port: config.PORT,
    host: config.HOST,
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onClose: [bus.stop, productCatalog.close, database.close],
  });
  closeOnSignals(server.close, logger);
  logger.info({ url: server.url }, 'billing service listening');

  await bus.started;
});
