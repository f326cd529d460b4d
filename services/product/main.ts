/** Composition root of the Product service: config → database → internal gRPC server → app → listen. */
import { verifierFromConfig } from '../kit/auth/from-config';
import { requireAdmin } from '../kit/auth/middleware';
import { cachedRevocationList, revocationAware, revocationListPg } from '../kit/auth/revocations';
import { dispatchByType, serviceBusAfter } from '../kit/bus/service-bus';
import { createInbox } from '../kit/inbox/inbox';
import { loadConfig } from '../kit/config';
import { createDatabase } from '../kit/db/database';
import { migrateInBackground } from '../kit/db/migrate';
import { passwordSourceFromConfig } from '../kit/db/password-source-from-config';
import { readyWithGrpc, startedWithGrpc } from '../kit/grpc/health-probe';
import { serveGrpc } from '../kit/grpc/serve-grpc';
import { readyAfter, startedAfter } from '../kit/http/health';
import { preStop } from '../kit/http/pre-stop';
import { closeOnSignals, serve } from '../kit/http/serve';
import { createLogger } from '../kit/logger';
import { runMain } from '../kit/run';
import { parseEvent } from '../contracts/events';
import { createProductApp, createProductGrpcRoutes } from './app';
import { productConfigSchema } from './config';
import * as schema from './data-access/schema';
import { productUnitOfWork } from './data-access/unit-of-work';
import { productEventHandlers } from './entry-points/events/handlers';

runMain('product', async () => {
  const config = loadConfig(productConfigSchema);
  const logger = createLogger({ service: 'product', level: config.LOG_LEVEL });
  // Fails started and ready from SIGTERM on, for SHUTDOWN_DELAY_SECONDS before the listener closes (Fargate Spot).
  const stopping = preStop(config.SHUTDOWN_DELAY_SECONDS, logger);
  // IAM tokens in AWS, or a rotated file: both pools ask it for each new connection (docs/infrastructure.md).
  const databasePassword = passwordSourceFromConfig(config);
  const database = createDatabase({ connectionString: config.DATABASE_URL, password: databasePassword, schema, poolMax: config.DATABASE_POOL_MAX, logger });
  // Run while the server already answers /health/live; /health/ready says 503 until they are done.
  const migrations = migrateInBackground(database.pool, config, 'product', logger, schema);

  const unitOfWork = productUnitOfWork(database.db);
  const serving = readyAfter(migrations, database.ping);

  const grpc = await serveGrpc({
    port: config.PRODUCT_GRPC_PORT,
    maxConnections: config.PRODUCT_GRPC_MAX_CONNECTIONS,
    host: config.HOST,
    logger,
    routes: createProductGrpcRoutes({ unitOfWork, ready: serving }),
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
  logger.info({ url: grpc.url }, 'product gRPC listening');

  const app = createProductApp({
    logger,
    unitOfWork,
    // A deleted user's tokens are refused once identity.user.deleted is recorded (services/kit/auth/revocations.ts).
    requireAdmin: requireAdmin(revocationAware(verifierFromConfig(config), cachedRevocationList(revocationListPg(database.db)))),
    // Ready only when the internal gRPC port answers too: Billing prices invoices through it.
    ready: stopping.ready(readyWithGrpc(serving, grpc.url)),
    // The deployed balancer's check: migrated and the gRPC server listening, whatever the database says now.
    started: stopping.started(startedWithGrpc(startedAfter(migrations), grpc.server)),
  });

  // Product consumes identity.user.deleted only, to keep its revocation record; it publishes nothing.
  const inbox = createInbox(database.db, productUnitOfWork);
  const bus = serviceBusAfter(migrations.finished, {
    service: 'product',
    env: config,
    databaseUrl: config.DATABASE_URL,
    databasePassword,
    logger,
    produces: false,
    consumer: { parse: parseEvent, handle: dispatchByType(productEventHandlers({ inbox, logger })) },
  });

  const server = await serve(app, {
    port: config.PORT,
    host: config.HOST,
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onClose: [bus.stop, grpc.close, database.close],
  });
  closeOnSignals(server.close, logger, stopping);
  logger.info({ url: server.url }, 'product service listening');
  await bus.started;
});
