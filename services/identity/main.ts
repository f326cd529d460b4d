/** Composition root of the Identity service: config → database → Cognito → app → bus → listen. */
import { verifierFromConfig } from '../kit/auth/from-config';
import { requireUser } from '../kit/auth/middleware';
import { cachedRevocationList, revocationAware, revocationListPg } from '../kit/auth/revocations';
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
  // Fails started and ready from SIGTERM on, for SHUTDOWN_DELAY_SECONDS before the listener closes (Fargate Spot).
  const stopping = preStop(config.SHUTDOWN_DELAY_SECONDS, logger);
  // IAM tokens in AWS, or a rotated file: both pools ask it for each new connection (docs/infrastructure.md).
  const databasePassword = passwordSourceFromConfig(config);
  const database = createDatabase({ connectionString: config.DATABASE_URL, password: databasePassword, schema, poolMax: config.DATABASE_POOL_MAX, logger });
  // Run while the server already answers /health/live; /health/ready says 503 until they are done.
  const migrations = migrateInBackground(database.pool, config, 'identity', logger, schema);
  const cognito = cognitoClientFromConfig(config);
  // cognito-local has no global sign-out (its AdminDeleteUser drops the refresh tokens itself): docs/identity.md.
  const identityProvider = identityProviderCognito({
    client: cognito,
    userPoolId: config.COGNITO_USER_POOL_ID,
    clientId: config.COGNITO_CLIENT_ID,
    globalSignOut: !config.COGNITO_ENDPOINT,
  });

  const app = createIdentityApp({
    logger,
    unitOfWork: identityUnitOfWork(database.db),
    identityProvider,
    // Tokens of a deleted user are refused from the deletion's commit on (services/kit/auth/revocations.ts).
    requireUser: requireUser(revocationAware(verifierFromConfig(config), cachedRevocationList(revocationListPg(database.db)))),
    ready: stopping.ready(readyAfter(migrations, database.ping)),
    // The deployed balancer's check: migrated, whatever the database says now (services/kit/http/health.ts).
    started: stopping.started(startedAfter(migrations)),
  });

  const inbox = createInbox(database.db, identityUnitOfWork);
  const bus = serviceBusAfter(migrations.finished, {
    service: 'identity',
    env: config,
    databaseUrl: config.DATABASE_URL,
    databasePassword,
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
  closeOnSignals(server.close, logger, stopping);
  logger.info({ url: server.url }, 'identity service listening');

  await bus.started;
});
