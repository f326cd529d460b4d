import type { Logger } from '../../kit/logger';
import type { BillingConfig } from '../config';
import type { ProductCatalog } from '../domain/ports';
import { productCatalogGrpc } from './product-catalog-grpc';
import { productCatalogHttp } from './product-catalog-http';

/** The adapter PRODUCT_CATALOG_PROTOCOL names; the config schema has made sure its URL is set. */
export function productCatalogFromConfig(
  config: Pick<BillingConfig, 'PRODUCT_CATALOG_PROTOCOL' | 'PRODUCT_GRPC_URL' | 'PRODUCT_SERVICE_URL' | 'PRODUCT_TIMEOUT_MS'>,
  logger: Logger,
): ProductCatalog & { close(): Promise<void> } {
  const timeoutMs = config.PRODUCT_TIMEOUT_MS;
  if (config.PRODUCT_CATALOG_PROTOCOL === 'http') return productCatalogHttp({ baseUrl: config.PRODUCT_SERVICE_URL!, timeoutMs, logger });
  return productCatalogGrpc({ baseUrl: config.PRODUCT_GRPC_URL!, protocol: config.PRODUCT_CATALOG_PROTOCOL, timeoutMs, logger });
}
