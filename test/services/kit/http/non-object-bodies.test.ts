/**
 * Every route of Identity, Product and Billing that takes a JSON body, sent JSON that is no object: each answers
 * the kit's one 400 (services/kit/http/json-body.ts), not its first field check failing on the whole body, and not
 * "not valid JSON" for a `null` that is.
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

type Send = (body: string) => request.Test;
const json = (test: request.Test, body: string) => test.set('Content-Type', 'application/json').send(body);

/** Per route, a body that is right for it but for being wrapped in an array, and how to send one. */
const cases: Record<string, { valid: string; send: () => Send }> = {
  'POST /identity/signup': { valid: '{"email":"a@example.com","password":"Signup-Passw0rd!","name":"Ada"}', send: () => (body) => json(request(identity.app).post('/identity/signup'), body) },
  'POST /identity/token': { valid: '{"email":"a@example.com","password":"x"}', send: () => (body) => json(request(identity.app).post('/identity/token'), body) },
  'POST /identity/token/refresh': { valid: '{"refreshToken":"x"}', send: () => (body) => json(request(identity.app).post('/identity/token/refresh'), body) },
  'PATCH /identity/me': { valid: '{"name":"Ada"}', send: () => (body) => json(request(identity.app).patch('/identity/me').set(bearer(user)), body) },
  'POST /products': { valid: '{"sku":"S-1","name":"W","priceCents":1}', send: () => (body) => json(request(product.app).post('/products').set(bearer(admin)), body) },
  'PATCH /products/{id}': { valid: '{"name":"W"}', send: () => (body) => json(request(product.app).patch(`/products/${productId}`).set(bearer(admin)), body) },
  'POST /billing/invoices': {
    valid: `{"lines":[{"productId":"${randomUUID()}","quantity":1}]}`,
    send: () => (body) => json(request(billingApp).post('/billing/invoices').set(bearer(user)).set('Idempotency-Key', randomUUID()), body),
  },
  'POST /billing/invoices/{id}/pay': { valid: '{}', send: () => (body) => json(request(billingApp).post(`/billing/invoices/${randomUUID()}/pay`).set(bearer(user)), body) },
};

/** Every route of the table that takes a body: one added later without a case here fails below. */
const bodyRoutes = ROUTES.filter((route) => ['POST', 'PUT', 'PATCH'].includes(route.method)).map(routeKey);

describe.each(bodyRoutes)('%s', (route) => {
  it.each([
    ['an empty array', '[]', 'an array'],
    ['its own body in an array', '[VALID]', 'an array'],
    ['null', 'null', 'null'],
    ['a string', '"x"', 'a string'],
  ])('when the body is %s, then it answers 400 validation-failed saying the body must be a JSON object', async (_what, body, kind) => {
    const { valid, send } = cases[route] ?? { valid: '', send: () => expect.fail(`no case for ${route}`) };
    const res = await send()(body.replace('VALID', valid));
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
