import type { Express, RequestHandler } from 'express';
import type { Logger } from '../platform/logger';
import { createHttpApp } from '../platform/http/app';
import type { ReadinessCheck } from '../platform/http/health';
import type { IdentityProvider } from './domain/identity-provider';
import type { IdentityStore } from './domain/store';
import { identityUseCases } from './domain/use-cases';
import { identityOpenApi } from './entry-points/http/openapi';
import { identityRoutes } from './entry-points/http/routes';

export interface IdentityAppDeps {
  readonly logger: Logger;
  readonly store: IdentityStore;
  readonly directory: IdentityProvider;
  readonly requireUser: RequestHandler;
  readonly ready: ReadinessCheck;
  readonly accessLog?: boolean;
}

/** The Identity service without a port: tests drive it directly, main.ts listens. */
export function createIdentityApp(deps: IdentityAppDeps): Express {
  const routes = identityRoutes({
    identity: identityUseCases(deps),
    requireUser: deps.requireUser,
    openApiDocument: identityOpenApi(),
  });
  return createHttpApp({ logger: deps.logger, routes, ready: deps.ready, accessLog: deps.accessLog });
}
