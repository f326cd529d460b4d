import type { Express, RequestHandler } from 'express';
import { createHttpApp } from '../kit/http/app';
import type { ReadinessCheck, StartedCheck } from '../kit/http/health';
import type { Logger } from '../kit/logger';
import { accountUseCases } from './domain/account-use-cases';
import { invoiceUseCases } from './domain/invoice-use-cases';
import type { ProductCatalog, UnitOfWork } from './domain/ports';
import { billingOpenApi } from './entry-points/http/openapi';
import { billingRoutes } from './entry-points/http/routes';

export interface BillingAppDeps {
  readonly logger: Logger;
  readonly unitOfWork: UnitOfWork;
  readonly productCatalog: ProductCatalog;
  readonly requireUser: RequestHandler;
  readonly ready: ReadinessCheck;
  /** Migrations done: `/health/started` (services/kit/http/health.ts). */
  readonly started: StartedCheck;
  readonly accessLog?: boolean;
}

/** The Billing service without a port: tests drive it directly, main.ts listens. */
export function createBillingApp(deps: BillingAppDeps): Express {
  const routes = billingRoutes({
    accounts: accountUseCases(deps),
    invoices: invoiceUseCases(deps),
    requireUser: deps.requireUser,
    openApiDocument: billingOpenApi(),
  });
  return createHttpApp({ logger: deps.logger, routes, ready: deps.ready, started: deps.started, accessLog: deps.accessLog });
}
