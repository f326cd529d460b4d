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

/**
 * The three documents as one, as a client of the gateway sees them: the paths of all three (each service owns
 * its prefix, so none collide) and their components, which must agree where they share a name.
 */
export function platformDocument(): OpenApiDocument {
  const documents = Object.values(openApiDocuments());
  const components: Record<string, Record<string, unknown>> = {};
  for (const document of documents) {
    for (const [kind, entries] of Object.entries(document.components ?? {})) {
      for (const [name, value] of Object.entries(entries as Record<string, unknown>)) {
        const seen = (components[kind] ??= {})[name];
        if (seen !== undefined && JSON.stringify(seen) !== JSON.stringify(value)) throw new Error(`components.${kind}.${name} differs between the documents`);
        components[kind][name] = value;
      }
    }
  }
  const [first] = documents;
  return {
    ...first!,
    info: { ...first!.info, title: 'Platform API', description: 'Identity, Product and Billing through the gateway' },
    tags: documents.flatMap((d) => d.tags ?? []),
    paths: Object.assign({}, ...documents.map((d) => d.paths)),
    components,
  };
}
