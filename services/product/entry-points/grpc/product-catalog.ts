/**
 * ProductCatalog (services/contracts/grpc/proto/platform/product/v1/product_catalog.proto) on Product's use
 * cases: parse → one use case → respond, as the HTTP routes do. The use cases' 400s become INVALID_ARGUMENT;
 * anything else unexpected is logged and answered INTERNAL without its message (services/kit/grpc/log-calls.ts).
 */
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter, type ServiceImpl } from '@connectrpc/connect';
import {
  GetPricesResponseSchema,
  ProductCatalog,
  ProductPriceSchema,
} from '../../../contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { isDatabaseUnavailable } from '../../../kit/db/unavailable';
import { AppError } from '../../../kit/errors';
import type { ProductPrice } from '../../domain/product';
import type { ProductUseCases } from '../../domain/product-use-cases';

const toPrice = (product: ProductPrice) =>
  create(ProductPriceSchema, {
    productId: product.id,
    sku: product.sku,
    name: product.name,
    priceCents: product.priceCents,
    currency: product.currency,
    active: product.active,
  });

/**
 * A use case's answer for the caller's mistake, in gRPC terms; a database that cannot serve right now is
 * UNAVAILABLE, which Billing may retry; any other error is the server's.
 */
function asConnectError(error: unknown): unknown {
  if (error instanceof AppError && error.status === 400) return new ConnectError(error.message, Code.InvalidArgument);
  if (isDatabaseUnavailable(error)) return new ConnectError('Product\'s database cannot be reached right now.', Code.Unavailable, undefined, undefined, error);
  return error;
}

export function productCatalogRoutes(router: ConnectRouter, products: ProductUseCases): void {
  // Every method of the contract: router.service() takes a partial implementation and answers a method left out
  // UNIMPLEMENTED at run time, which Billing's breaker counts as Product failing. Typed whole, tsc names it.
  const implementation: ServiceImpl<typeof ProductCatalog> = {
    async getPrices(req) {
      try {
        const { found, missing } = await products.lookUpPrices(req.productIds);
        return create(GetPricesResponseSchema, { prices: found.map(toPrice), missingProductIds: missing });
      } catch (error) {
        throw asConnectError(error);
      }
    },
  };
  router.service(ProductCatalog, implementation);
}
