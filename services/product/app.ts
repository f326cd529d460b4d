import type { Express, RequestHandler } from 'express';
import { createHttpApp } from '../kit/http/app';
import type { ReadinessCheck } from '../kit/http/health';
import type { Logger } from '../kit/logger';
import type { UnitOfWork } from './domain/ports';
import { productUseCases } from './domain/product-use-cases';
import { productOpenApi } from './entry-points/http/openapi';
import { productRoutes } from './entry-points/http/routes';

export interface ProductAppDeps {
  readonly logger: Logger;
  readonly unitOfWork: UnitOfWork;
  /** Catalogue writes need the admin group; reads are public. */
  readonly requireAdmin: RequestHandler;
  readonly ready: ReadinessCheck;
  readonly accessLog?: boolean;
}

/** The Product service without a port: tests drive it directly, main.ts listens. */
export function createProductApp(deps: ProductAppDeps): Express {
  const routes = productRoutes({
    products: productUseCases({ unitOfWork: deps.unitOfWork }),
    requireAdmin: deps.requireAdmin,
    openApiDocument: productOpenApi(),
  });
  return createHttpApp({ logger: deps.logger, routes, ready: deps.ready, accessLog: deps.accessLog });
}
