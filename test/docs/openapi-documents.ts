/** The three documents as the services serve them, by service, for the tests of test/docs. */
import { billingOpenApi } from '../../services/billing/entry-points/http/openapi';
import type { ServiceName } from '../../services/contracts/services';
import { identityOpenApi } from '../../services/identity/entry-points/http/openapi';
import { productOpenApi } from '../../services/product/entry-points/http/openapi';

export type OpenApiDocument = ReturnType<typeof identityOpenApi>;

export const openApiDocuments = (): Record<ServiceName, OpenApiDocument> => ({
  identity: identityOpenApi(),
  product: productOpenApi(),
  billing: billingOpenApi(),
});
