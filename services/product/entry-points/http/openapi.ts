import { createDocument } from 'zod-openapi';
import { JSON_BODY_STATUSES, problemResponses } from '../../../kit/http/openapi';
import { createProductBody, productIdParam, productListResponse, productResponse, updateProductBody } from './schemas';
import { z } from 'zod';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const idPath = { path: z.object({ id: productIdParam }) };
const admin = [{ bearer: [] }];

/** OpenAPI 3.1 for the Product API, generated from the same zod schemas the routes validate with. */
export function productOpenApi() {
  return createDocument({
    openapi: '3.1.0',
    info: { title: 'Product API', version: '1.0.0', description: 'The catalogue. Writes need the admin group.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths: {
      '/products': {
        get: {
          summary: 'List active products',
          requestParams: {
            query: z.object({ limit: z.number().int().min(1).max(100).optional(), cursor: z.string().optional() }),
          },
          responses: { 200: { description: 'A page of products', ...json(productListResponse) }, ...problemResponses(400) },
        },
        post: {
          summary: 'Create a product',
          security: admin,
          requestBody: json(createProductBody),
          responses: { 201: { description: 'Created', ...json(productResponse) }, ...problemResponses(400, 401, 403, 409, ...JSON_BODY_STATUSES) },
        },
      },
      '/products/{id}': {
        get: {
          summary: 'Get a product (inactive ones too)',
          requestParams: idPath,
          responses: { 200: { description: 'The product', ...json(productResponse) }, ...problemResponses(404) },
        },
        patch: {
          summary: 'Change a product',
          security: admin,
          requestParams: idPath,
          requestBody: json(updateProductBody),
          responses: { 200: { description: 'Changed', ...json(productResponse) }, ...problemResponses(400, 401, 403, 404, ...JSON_BODY_STATUSES) },
        },
        delete: {
          summary: 'Deactivate a product',
          security: admin,
          requestParams: idPath,
          responses: { 204: { description: 'Deactivated' }, ...problemResponses(401, 403, 404) },
        },
      },
    },
  });
}
