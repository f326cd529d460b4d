/** Composition root of the Product service: config → database → internal gRPC server → app → listen. */
import { verifierFromConfig } from '../kit/auth/from-config';
import { requireAdmin } from '../kit/auth/middleware';
import { loadConfig } from '../kit/config';
import { createDatabase } from '../kit/db/database';
import { migrateInBackground } from '../kit/db/migrate';
import { readyWithGrpc } from '../kit/grpc/health-probe';
import { serveGrpc } from '../kit/grpc/serve-grpc';
import { readyAfter } from '../kit/http/health';
import { closeOnSignals, serve } from '../kit/http/serve';
import { createLogger } from '../kit/logger';
import { runMain } from '../kit/run';
import { createProductApp, createProductGrpcRoutes } from './app';
import { productConfigSchema } from './config';
import * as schema from './data-access/schema';
import { productUnitOfWork } from './data-access/unit-of-work';

runMain('product', async () => {
  const config = loadConfig(productConfigSchema);
  const logger = createLogger({ service: 'product', level: config.LOG_LEVEL });
  const database = createDatabase({ connectionString: config.DATABASE_URL, schema, poolMax: config.DATABASE_POOL_MAX, logger });
  // Run while the server already answers /health/live; /health/ready says 503 until they are done.
  const migrations = migrateInBackground(database.pool, config, 'product', logger);

  const unitOfWork = productUnitOfWork(database.db);
  const serving = readyAfter(migrations, database.ping);

  const grpc = await serveGrpc({
    port: config.PRODUCT_GRPC_PORT,
    host: config.HOST,
    logger,
    routes: createProductGrpcRoutes({ unitOfWork, ready: serving }),
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
  logger.info({ url: grpc.url }, 'product gRPC listening');

  const app = createProductApp({
    logger,
    unitOfWork,
    requireAdmin: requireAdmin(verifierFromConfig(config)),
    // Ready only when the internal gRPC port answers too: Billing prices invoices through it.
    ready: readyWithGrpc(serving, grpc.url),
  });

  const server = await serve(app, {
    port: config.PORT,
    host: config.HOST,
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onClose: [grpc.close, database.close],
  });
  closeOnSignals(server.close, logger);
  logger.info({ url: server.url }, 'product service listening');
  await migrations.finished;
});
