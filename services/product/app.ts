import type { Express, RequestHandler } from 'express';
import type { Logger } from '../platform/logger';
import { createHttpApp } from '../platform/http/app';
import type { ReadinessCheck } from '../platform/http/health';
import type { ProductRepository } from './domain/product';
import { productUseCases } from './domain/use-cases';
import { productOpenApi } from './entry-points/http/openapi';
import { productRoutes } from './entry-points/http/routes';

export interface ProductAppDeps {
  readonly logger: Logger;
  readonly repository: ProductRepository;
  readonly requireAdmin: RequestHandler;
  readonly ready: ReadinessCheck;
  readonly accessLog?: boolean;
}

/** The Product service without a port: tests drive it directly, main.ts listens. */
export function createProductApp(deps: ProductAppDeps): Express {
  const routes = productRoutes({
    products: productUseCases(deps.repository),
    requireAdmin: deps.requireAdmin,
    openApiDocument: productOpenApi(),
  });
  return createHttpApp({ logger: deps.logger, routes, ready: deps.ready, accessLog: deps.accessLog });
}
