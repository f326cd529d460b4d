/** Composition root of the Billing service: config → database → Product catalogue → app → bus → listen. */
import { verifierFromConfig } from '../kit/auth/from-config';
import { requireUser } from '../kit/auth/middleware';
import { cachedRevocationList, revocationAware } from '../kit/auth/revocations';
import { loadConfig } from '../kit/config';
import { createDatabase } from '../kit/db/database';
import { migrateInBackground } from '../kit/db/migrate';
import { passwordSourceFromConfig } from '../kit/db/password-source-from-config';
import { readyAfter, startedAfter } from '../kit/http/health';
import { preStop } from '../kit/http/pre-stop';
import { closeOnSignals, serve } from '../kit/http/serve';
import { createLogger } from '../kit/logger';
import { createInbox } from '../kit/inbox/inbox';
import { runMain } from '../kit/run';
import { dispatchByType, serviceBusAfter } from '../kit/bus/service-bus';
import { parseEvent } from '../contracts/events';
import { createBillingApp } from './app';
import { billingConfigSchema } from './config';
import { productCatalogFromConfig } from './data-access/product-catalog-from-config';
import { revocationListClosedAccounts } from './data-access/revocation-list-closed-accounts';
import * as schema from './data-access/schema';
import { billingUnitOfWork } from './data-access/unit-of-work';
import { billingEventHandlers } from './entry-points/events/handlers';

runMain('billing', async () => {
  const config = loadConfig(billingConfigSchema);
  const logger = createLogger({ service: 'billing', level: config.LOG_LEVEL });
  // Fails started and ready from SIGTERM on, for SHUTDOWN_DELAY_SECONDS before the listener closes (Fargate Spot).
  const stopping = preStop(config.SHUTDOWN_DELAY_SECONDS, logger);
  // IAM tokens in AWS, or a rotated file: both pools ask it for each new connection (docs/infrastructure.md).
  const databasePassword = passwordSourceFromConfig(config);
  const database = createDatabase({ connectionString: config.DATABASE_URL, password: databasePassword, schema, poolMax: config.DATABASE_POOL_MAX, logger });
  // Run while the server already answers /health/live; /health/ready says 503 until they are done.
  const migrations = migrateInBackground(database.pool, config, 'billing', logger, schema);
  const productCatalog = productCatalogFromConfig(config, logger);

  const app = createBillingApp({
    logger,
    unitOfWork: billingUnitOfWork(database.db),
    productCatalog,
    // A closed account (its user deleted) refuses the user's tokens: 401 on every route (services/kit/auth/revocations.ts).
    requireUser: requireUser(revocationAware(verifierFromConfig(config), cachedRevocationList(revocationListClosedAccounts(database.db)))),
    ready: stopping.ready(readyAfter(migrations, database.ping)),
    // The deployed balancer's check: migrated, whatever the database says now (services/kit/http/health.ts).
    started: stopping.started(startedAfter(migrations)),
  });

  const inbox = createInbox(database.db, billingUnitOfWork);
  const bus = serviceBusAfter(migrations.finished, {
    service: 'billing',
    env: config,
    databaseUrl: config.DATABASE_URL,
    databasePassword,
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
  closeOnSignals(server.close, logger, stopping);
  logger.info({ url: server.url }, 'billing service listening');

  await bus.started;
});
