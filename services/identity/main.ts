/** Composition root of the Identity service: config → database → Cognito → app → bus → listen. */
import { verifierFromConfig } from '../platform/auth/from-config';
import { requireUser } from '../platform/auth/middleware';
import { loadConfig } from '../platform/config';
import { createDatabase, migrateWithLock } from '../platform/db/database';
import { closeOnSignals, serve } from '../platform/http/serve';
import { createLogger } from '../platform/logger';
import { createInbox } from '../platform/inbox/inbox';
import { runMain } from '../platform/run';
import { dispatchByType, startServiceBus } from '../platform/bus/service-bus';
import { parseEvent } from '../contracts/events';
import { createIdentityApp } from './app';
import { identityConfigSchema } from './config';
import { cognitoClientFromConfig } from './data-access/cognito-client';
import { identityProviderCognito } from './data-access/identity-provider-cognito';
import * as schema from './data-access/schema';
import { identityUnitOfWork } from './data-access/unit-of-work';
import { identityEventHandlers } from './entry-points/events/handlers';

runMain('identity', async () => {
  const config = loadConfig(identityConfigSchema);
  const logger = createLogger({ service: 'identity', level: config.LOG_LEVEL });
  const database = createDatabase({ connectionString: config.DATABASE_URL, schema, poolMax: config.DATABASE_POOL_MAX, logger });
  await migrateWithLock(database.pool, config.MIGRATIONS_DIR, 'identity', logger);
  const cognito = cognitoClientFromConfig(config);
  const identityProvider = identityProviderCognito({ client: cognito, userPoolId: config.COGNITO_USER_POOL_ID, clientId: config.COGNITO_CLIENT_ID });

  const app = createIdentityApp({
    logger,
    unitOfWork: identityUnitOfWork(database.db),
    identityProvider,
    requireUser: requireUser(verifierFromConfig(config)),
    ready: database.ping,
  });

  const inbox = createInbox(database.db, identityUnitOfWork);
  const bus = await startServiceBus({
    service: 'identity',
    env: config,
    databaseUrl: config.DATABASE_URL,
    logger,
    produces: true,
    consumer: { parse: parseEvent, handle: dispatchByType(identityEventHandlers({ inbox, logger })) },
  });

  const server = await serve(app, {
    port: config.PORT,
    host: config.HOST,
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onClose: [bus.stop, database.close, async () => cognito.destroy()],
  });
  closeOnSignals(server.close, logger);
  logger.info({ url: server.url }, 'identity service listening');
});
