/**
 * Every route of Identity, Product and Billing that takes a JSON body, sent JSON that is no object: each answers
 * the kit's one 400 (services/kit/http/json-body.ts), not its first field check failing on the whole body, and not
 * "not valid JSON" for a `null` that is. Each one but the payment, which takes none, answers a missing or empty body
 * as missing, not as "expected object, received undefined" (or, with a JSON Content-Type, as an object without fields).
 */
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, routeKey } from '../../../../services/contracts/routes';
import { bearer, loginAs, type TestTokens } from '../../../support/auth';
import { startBillingHarness, type BillingHarness } from '../../../support/billing';
import { startIdentityHarness, type IdentityHarness } from '../../../support/identity';
import { startProductHarness, type ProductHarness } from '../../../support/product';

let identity: IdentityHarness;
let product: ProductHarness;
let billing: BillingHarness;
let billingApp: Express;
let user: TestTokens;
let admin: TestTokens;
let productId: string;

beforeAll(async () => {
  [identity, product, billing, user, admin] = await Promise.all([startIdentityHarness(), startProductHarness(), startBillingHarness(), loginAs(), loginAs({ admin: true })]);
  // No invoice is ever priced here: the catalogue's address is never called.
  billingApp = billing.app('http://127.0.0.1:9');
  await billing.accounts.openAccount(user.sub);
  productId = (await product.unitOfWork.products.insert({ sku: `OBJ-${randomUUID()}`, name: 'Widget', priceCents: 100, currency: 'USD' })).id;
});
afterAll(async () => {
  await Promise.all([identity?.close(), product?.close(), billing?.close()]);
});

const json = (test: request.Test, body: string) => test.set('Content-Type', 'application/json').send(body);

/** Per route, a body that is right for it but for being wrapped in an array, and the request to send it with. */
const cases: Record<string, { valid: string; open: () => request.Test }> = {
  'POST /identity/signup': { valid: '{"email":"a@example.com","password":"Signup-Passw0rd!","name":"Ada"}', open: () => request(identity.app).post('/identity/signup') },
  'POST /identity/token': { valid: '{"email":"a@example.com","password":"x"}', open: () => request(identity.app).post('/identity/token') },
  'POST /identity/token/refresh': { valid: '{"refreshToken":"x"}', open: () => request(identity.app).post('/identity/token/refresh') },
  'PATCH /identity/me': { valid: '{"name":"Ada"}', open: () => request(identity.app).patch('/identity/me').set(bearer(user)) },
  'POST /products': { valid: '{"sku":"S-1","name":"W","priceCents":1}', open: () => request(product.app).post('/products').set(bearer(admin)) },
  'PATCH /products/{id}': { valid: '{"name":"W"}', open: () => request(product.app).patch(`/products/${productId}`).set(bearer(admin)) },
  'POST /billing/invoices': {
    valid: `{"lines":[{"productId":"${randomUUID()}","quantity":1}]}`,
    open: () => request(billingApp).post('/billing/invoices').set(bearer(user)).set('Idempotency-Key', randomUUID()),
  },
  'POST /billing/invoices/{id}/pay': { valid: '{}', open: () => request(billingApp).post(`/billing/invoices/${randomUUID()}/pay`).set(bearer(user)) },
};
const caseOf = (route: string) => cases[route] ?? expect.fail(`no case for ${route}`);

/** The one route that takes no body: paying needs nothing but the invoice's id. */
const BODILESS = new Set(['POST /billing/invoices/{id}/pay']);

/** Every route of the table that takes a body: one added later without a case here fails below. */
const bodyRoutes = ROUTES.filter((route) => ['POST', 'PUT', 'PATCH'].includes(route.method)).map(routeKey);

describe.each(bodyRoutes)('%s', (route) => {
  it.each([
    ['an empty array', '[]', 'an array'],
    ['its own body in an array', '[VALID]', 'an array'],
    ['null', 'null', 'null'],
    ['a string', '"x"', 'a string'],
  ])('when the body is %s, then it answers 400 validation-failed saying the body must be a JSON object', async (_what, body, kind) => {
    const { valid, open } = caseOf(route);
    const res = await json(open(), body.replace('VALID', valid));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.body).toMatchObject({
      type: 'urn:problem-type:platform:validation-failed',
      detail: `The request body must be a JSON object, not ${kind}.`,
      errors: [{ path: '(body)', message: 'must be a JSON object' }],
      requestId: res.headers['x-request-id'],
    });
  });
});

/** How a client sends no body: curl's `-X POST` sends no length, fetch and Node `Content-Length: 0`, some add the type. */
const noBodies: [string, (test: request.Test) => request.Test][] = [
  ['no body and no Content-Type', (test) => test],
  ['Content-Type: application/json and no body', (test) => test.set('Content-Type', 'application/json')],
  ['Content-Type: application/json and an empty chunked body', (test) => test.set('Content-Type', 'application/json').set('Transfer-Encoding', 'chunked').send('')],
];

describe.each(bodyRoutes.filter((route) => !BODILESS.has(route)))('%s', (route) => {
  it.each(noBodies)('when it comes with %s, then it answers 400 validation-failed saying the body is missing and must be a JSON object', async (_what, without) => {
    const res = await without(caseOf(route).open());
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.body).toMatchObject({
      type: 'urn:problem-type:platform:validation-failed',
      detail: 'The request body is missing: send a JSON object (Content-Type: application/json).',
      errors: [{ path: '(body)', message: 'must be a JSON object' }],
      requestId: res.headers['x-request-id'],
    });
  });
});

describe.each([...BODILESS])('%s', (route) => {
  it.each(noBodies)('when it comes with %s, then the missing body is no error: the unknown invoice answers 404', async (_what, without) => {
    const res = await without(caseOf(route).open());
    expect(res.status).toBe(404);
    expect(res.body.type).toBe('urn:problem-type:platform:not-found');
  });
});
