import { z } from 'zod';
import { createDocument } from 'zod-openapi';
import { routesOf } from '../../../contracts/routes';
import { apiDescription, documentedPaths, json, NO_CACHE, NO_STORE, pageQuery, responseHeaders, securitySchemes, servers } from '../../../kit/http/openapi';
import { createProductBody, productIdParam, productListResponse, productResponse, updateProductBody } from './schemas';

const TAG = 'Product';
const idPath = { path: z.object({ id: productIdParam.meta({ description: 'A malformed id answers 404, as an unknown one' }) }) };

/** OpenAPI 3.1 for the Product API, generated from the same zod schemas the routes validate with. */
export function productOpenApi() {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Product API',
      version: '1.0.0',
      description: apiDescription('The catalogue. Writes need the admin group.'),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers,
    tags: [{ name: TAG, description: 'The product catalogue, `/products/…`: anyone reads, the `admin` group writes' }],
    components: { securitySchemes },
    paths: documentedPaths(routesOf('product'), TAG, {
      'GET /products': {
        operationId: 'listProducts',
        summary: 'List active products',
        requestParams: { query: pageQuery },
        responses: { 200: { description: 'A page of products', headers: responseHeaders(NO_CACHE), ...json(productListResponse) } },
        problems: [400],
      },
      'POST /products': {
        operationId: 'createProduct',
        summary: 'Create a product',
        requestBody: { required: true, ...json(createProductBody) },
        responses: {
          201: { description: 'Created', headers: responseHeaders({ ...NO_STORE, Location: z.string().meta({ description: '`/products/{id}`' }) }), ...json(productResponse) },
        },
        problems: [409],
      },
      'GET /products/{id}': {
        operationId: 'getProduct',
        summary: 'Get a product (inactive ones too)',
        requestParams: idPath,
        responses: { 200: { description: 'The product', headers: responseHeaders(NO_CACHE), ...json(productResponse) } },
        problems: [404],
      },
      'PATCH /products/{id}': {
        operationId: 'updateProduct',
        summary: 'Change a product',
        requestParams: idPath,
        requestBody: { required: true, ...json(updateProductBody) },
        responses: { 200: { description: 'Changed', headers: responseHeaders(NO_STORE), ...json(productResponse) } },
        problems: [404],
      },
      'DELETE /products/{id}': {
        operationId: 'deactivateProduct',
        summary: 'Deactivate a product',
        requestParams: idPath,
        responses: { 204: { description: 'Deactivated', headers: responseHeaders(NO_STORE) } },
        problems: [404],
      },
    }),
  });
}
