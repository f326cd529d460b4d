/**
 * Product as services/product/main.ts composes it (config, database, migrations, the internal gRPC server, the
 * REST app), without the event bus: Product consumes only identity.user.deleted, which a price lookup never
 * touches, and the bench needs no SNS/SQS.
 */
import { verifierFromConfig } from '../../services/kit/auth/from-config';
import { requireAdmin } from '../../services/kit/auth/middleware';
import { loadConfig } from '../../services/kit/config';
import { createDatabase } from '../../services/kit/db/database';
import { migrateInBackground } from '../../services/kit/db/migrate';
import { readyWithGrpc } from '../../services/kit/grpc/health-probe';
import { serveGrpc } from '../../services/kit/grpc/serve-grpc';
import { readyAfter } from '../../services/kit/http/health';
import { closeOnSignals, serve } from '../../services/kit/http/serve';
import { createLogger } from '../../services/kit/logger';
import { runMain } from '../../services/kit/run';
import { createProductApp, createProductGrpcRoutes } from '../../services/product/app';
import { productConfigSchema } from '../../services/product/config';
import * as schema from '../../services/product/data-access/schema';
import { productUnitOfWork } from '../../services/product/data-access/unit-of-work';

runMain('product', async () => {
  const config = loadConfig(productConfigSchema);
  const logger = createLogger({ service: 'product', level: config.LOG_LEVEL });
  const database = createDatabase({ connectionString: config.DATABASE_URL, schema, poolMax: config.DATABASE_POOL_MAX, logger });
  const migrations = migrateInBackground(database.pool, config, 'product', logger, schema);
  const unitOfWork = productUnitOfWork(database.db);
  const serving = readyAfter(migrations, database.ping);
  const grpc = await serveGrpc({ port: config.PRODUCT_GRPC_PORT, host: config.HOST, logger, routes: createProductGrpcRoutes({ unitOfWork, ready: serving }) });
  const app = createProductApp({ logger, unitOfWork, requireAdmin: requireAdmin(verifierFromConfig(config)), ready: readyWithGrpc(serving, grpc.url), started: () => true });
  const server = await serve(app, { port: config.PORT, host: config.HOST, logger, onClose: [grpc.close, database.close] });
  closeOnSignals(server.close, logger);
});
