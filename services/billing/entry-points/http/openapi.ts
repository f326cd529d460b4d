import { z } from 'zod';
import { createDocument } from 'zod-openapi';
import { routesOf } from '../../../contracts/routes';
import { apiDescription, documentedPaths, json, NO_STORE, pageQuery, responseHeaders, securitySchemes, servers } from '../../../kit/http/openapi';
import {
  accountResponse,
  createInvoiceBody,
  idempotencyKeyHeader,
  invoiceIdParam,
  invoiceListResponse,
  invoiceResponse,
  payInvoiceBody,
} from './schemas';

const TAG = 'Billing';
const idPath = { path: z.object({ id: invoiceIdParam.meta({ description: 'A malformed id answers 404, as an unknown one' }) }) };

/** OpenAPI 3.1 for the Billing API, generated from the same zod schemas the routes validate with. */
export function billingOpenApi() {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Billing API',
      version: '1.0.0',
      description: apiDescription('Billing accounts and invoices of the signed-in user. Prices come from the Product service.'),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers,
    tags: [{ name: TAG, description: "The signed-in user's billing account and invoices, `/billing/…`" }],
    components: { securitySchemes },
    paths: documentedPaths(routesOf('billing'), TAG, {
      'GET /billing/account': {
        operationId: 'getBillingAccount',
        summary: "The caller's billing account",
        description: 'Opened when the user signs up (an event), so it may answer 404 for a moment after sign-up.',
        responses: { 200: { description: 'The account', headers: responseHeaders(NO_STORE), ...json(accountResponse) } },
        problems: [404],
      },
      'GET /billing/invoices': {
        operationId: 'listInvoices',
        summary: "The caller's invoices, newest first",
        requestParams: { query: pageQuery },
        responses: { 200: { description: 'A page of invoices', headers: responseHeaders(NO_STORE), ...json(invoiceListResponse) } },
        problems: [400],
      },
      'POST /billing/invoices': {
        operationId: 'createInvoice',
        summary: 'Create an invoice at the current catalogue prices',
        description:
          'Lines name distinct products. A repeated Idempotency-Key with the same body answers the first invoice; ' +
          'with another body, 422. 404 when the caller has no billing account or it is closed; 503 with Retry-After ' +
          'when the catalogue cannot be read.',
        requestParams: { header: z.object({ 'Idempotency-Key': idempotencyKeyHeader.optional() }) },
        requestBody: { required: true, ...json(createInvoiceBody) },
        responses: {
          201: {
            description: 'Created (or replayed)',
            headers: responseHeaders({
              ...NO_STORE,
              Location: z.string().meta({ description: '`/billing/invoices/{id}`' }),
              'Idempotent-Replayed': z.literal('true').optional().meta({ description: 'Present when this is the first answer to the same Idempotency-Key and body, replayed' }),
            }),
            ...json(invoiceResponse),
          },
        },
        problems: [404, 422, 503],
      },
      'GET /billing/invoices/{id}': {
        operationId: 'getInvoice',
        summary: "One of the caller's invoices",
        requestParams: idPath,
        responses: { 200: { description: 'The invoice', headers: responseHeaders(NO_STORE), ...json(invoiceResponse) } },
        problems: [404],
      },
      'POST /billing/invoices/{id}/pay': {
        operationId: 'payInvoice',
        summary: 'Pay an open invoice',
        requestParams: idPath,
        requestBody: { required: false, description: 'Nothing, or an empty object', ...json(payInvoiceBody) },
        responses: { 200: { description: 'Paid', headers: responseHeaders(NO_STORE), ...json(invoiceResponse) } },
        problems: [404, 409],
      },
    }),
  });
}
