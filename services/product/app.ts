import type { ConnectRouter } from '@connectrpc/connect';
import type { Express, RequestHandler } from 'express';
import { ProductCatalog } from '../contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { grpcHealth } from '../kit/grpc/health';
import { createHttpApp } from '../kit/http/app';
import type { ReadinessCheck, StartedCheck } from '../kit/http/health';
import type { Logger } from '../kit/logger';
import type { UnitOfWork } from './domain/ports';
import { productUseCases } from './domain/product-use-cases';
import { productCatalogRoutes } from './entry-points/grpc/product-catalog';
import { productOpenApi } from './entry-points/http/openapi';
import { productRoutes } from './entry-points/http/routes';

export interface ProductAppDeps {
  readonly logger: Logger;
  readonly unitOfWork: UnitOfWork;
  /** Catalogue writes need the admin group; reads are public. */
  readonly requireAdmin: RequestHandler;
  readonly ready: ReadinessCheck;
  /** Migrations done: `/health/started` (services/kit/http/health.ts). */
  readonly started: StartedCheck;
  readonly accessLog?: boolean;
}

/** The Product service without a port: tests drive it directly, main.ts listens. */
export function createProductApp(deps: ProductAppDeps): Express {
  const routes = productRoutes({
    products: productUseCases({ unitOfWork: deps.unitOfWork }),
    requireAdmin: deps.requireAdmin,
    openApiDocument: productOpenApi(),
  });
  return createHttpApp({ logger: deps.logger, routes, ready: deps.ready, started: deps.started, accessLog: deps.accessLog });
}

export interface ProductGrpcDeps {
  readonly unitOfWork: UnitOfWork;
  /** Whether the service can serve (migrations done, database answering): grpc.health.v1 answers from it. */
  readonly ready: ReadinessCheck;
}

/** Product's internal API (ProductCatalog and grpc.health.v1), for `serveGrpc`; never routed by the edge. */
export function createProductGrpcRoutes(deps: ProductGrpcDeps): (router: ConnectRouter) => void {
  const products = productUseCases({ unitOfWork: deps.unitOfWork });
  return (router) => {
    productCatalogRoutes(router, products);
    grpcHealth(router, { ready: deps.ready, services: [ProductCatalog.typeName] });
  };
}
