import type { Express, RequestHandler } from 'express';
import { createHttpApp } from '../kit/http/app';
import type { ReadinessCheck, StartedCheck } from '../kit/http/health';
import type { Logger } from '../kit/logger';
import { accountUseCases } from './domain/account-use-cases';
import { unavailableAs503 } from './domain/directory-unavailable';
import type { IdentityProvider, UnitOfWork } from './domain/ports';
import { sessionUseCases } from './domain/session-use-cases';
import { signupUseCases } from './domain/signup-use-cases';
import { identityOpenApi } from './entry-points/http/openapi';
import { identityRoutes } from './entry-points/http/routes';

export interface IdentityAppDeps {
  readonly logger: Logger;
  readonly unitOfWork: UnitOfWork;
  readonly identityProvider: IdentityProvider;
  readonly requireUser: RequestHandler;
  readonly ready: ReadinessCheck;
  /** Migrations done: `/health/started` (services/kit/http/health.ts). */
  readonly started: StartedCheck;
  readonly accessLog?: boolean;
}

/** The Identity service without a port: tests drive it directly, main.ts listens. */
export function createIdentityApp(appDeps: IdentityAppDeps): Express {
  const deps = { ...appDeps, identityProvider: unavailableAs503(appDeps.identityProvider) };
  const routes = identityRoutes({
    signups: signupUseCases(deps),
    sessions: sessionUseCases(deps),
    accounts: accountUseCases(deps),
    requireUser: deps.requireUser,
    openApiDocument: identityOpenApi(),
  });
  return createHttpApp({ logger: deps.logger, routes, ready: deps.ready, started: deps.started, accessLog: deps.accessLog });
}
