import { z } from 'zod';
import { createDocument } from 'zod-openapi';
import { JSON_BODY_STATUSES, problemResponses } from '../../../kit/http/openapi';
import {
  accountResponse,
  createInvoiceBody,
  idempotencyKeyHeader,
  invoiceIdParam,
  invoiceListResponse,
  invoiceResponse,
} from './schemas';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const idPath = { path: z.object({ id: invoiceIdParam }) };
const user = [{ bearer: [] }];

/** OpenAPI 3.1 for the Billing API, generated from the same zod schemas the routes validate with. */
export function billingOpenApi() {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Billing API',
      version: '1.0.0',
      description: 'Billing accounts and invoices of the signed-in user. Prices come from the Product service.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths: {
      '/billing/account': {
        get: {
          summary: "The caller's billing account",
          security: user,
          responses: { 200: { description: 'The account', ...json(accountResponse) }, ...problemResponses(401, 404) },
        },
      },
      '/billing/invoices': {
        get: {
          summary: "The caller's invoices, newest first",
          security: user,
          requestParams: {
            query: z.object({ limit: z.number().int().min(1).max(100).optional(), cursor: z.string().optional() }),
          },
          responses: { 200: { description: 'A page of invoices', ...json(invoiceListResponse) }, ...problemResponses(400, 401) },
        },
        post: {
          summary: 'Create an invoice at the current catalogue prices',
          description:
            'Lines name distinct products. A repeated Idempotency-Key with the same body answers the first invoice; ' +
            'with another body, 422. 404 when the caller has no billing account or it is closed; 503 with Retry-After ' +
            'when the catalogue cannot be read.',
          security: user,
          requestParams: { header: z.object({ 'Idempotency-Key': idempotencyKeyHeader.optional() }) },
          requestBody: json(createInvoiceBody),
          responses: {
            201: { description: 'Created (or replayed)', ...json(invoiceResponse) },
            ...problemResponses(400, 401, 404, ...JSON_BODY_STATUSES, 422, 503),
          },
        },
      },
      '/billing/invoices/{id}': {
        get: {
          summary: 'One of the caller\'s invoices',
          security: user,
          requestParams: idPath,
          responses: { 200: { description: 'The invoice', ...json(invoiceResponse) }, ...problemResponses(401, 404) },
        },
      },
      '/billing/invoices/{id}/pay': {
        post: {
          summary: 'Pay an open invoice',
          security: user,
          requestParams: idPath,
          responses: { 200: { description: 'Paid', ...json(invoiceResponse) }, ...problemResponses(400, 401, 404, 409, ...JSON_BODY_STATUSES) },
        },
      },
    },
  });
}
