/**
 * `npx tsx scripts/openapi-types.ts`: writes the TypeScript types of the three OpenAPI documents (openapi-typescript)
 * to scripts/smoke/api/, where the smoke journey's openapi-fetch clients read them. The documents are built
 * in-process by the same functions the services serve them with, so no platform needs to run. The files are
 * committed; test/docs/openapi-types.test.ts fails when one differs from what this would write.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import { billingOpenApi } from '../services/billing/entry-points/http/openapi';
import type { ServiceName } from '../services/contracts/services';
import { identityOpenApi } from '../services/identity/entry-points/http/openapi';
import { productOpenApi } from '../services/product/entry-points/http/openapi';

export const TYPES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'smoke/api');

const DOCUMENTS: Record<ServiceName, () => object> = { identity: identityOpenApi, product: productOpenApi, billing: billingOpenApi };

export const typesFile = (service: ServiceName): string => path.join(TYPES_DIR, `${service}.ts`);

/** The types file of one service's document, as openapi-typescript writes it. */
export async function renderTypes(service: ServiceName): Promise<string> {
  const ast = await openapiTS(DOCUMENTS[service]() as OpenAPI3, { silent: true });
  const how = ` * Regenerate with \`npx tsx scripts/openapi-types.ts\` (CONTRIBUTING.md).\n`;
  return COMMENT_HEADER.replace(' */\n', `${how} */\n`) + astToString(ast);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const service of Object.keys(DOCUMENTS) as ServiceName[]) {
    await writeFile(typesFile(service), await renderTypes(service));
    console.log(`wrote ${path.relative(process.cwd(), typesFile(service))}`);
  }
}
