/**
 * The longest sku and name Product accepts are the shared ones (services/contracts/product-fields.ts), which Billing
 * also holds Product's answers to: one character more is refused here, so Billing never meets it from a real Product.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PRODUCT_NAME_LENGTH, MAX_SKU_LENGTH } from '../../../../../services/contracts/product-fields';
import { loginAs, type TestTokens } from '../../../../support/auth';
import { startProductHarness, type ProductHarness } from '../../../../support/product';

let harness: ProductHarness;
let admin: TestTokens;

beforeAll(async () => {
  harness = await startProductHarness();
  admin = await loginAs({ admin: true });
});
afterAll(() => harness.close());

const asAdmin = () => ({ Authorization: `Bearer ${admin.accessToken}` });
let skuCounter = 0;
/** A sku of `length` characters, unique to this run. */
const skuOf = (length: number) => `LEN-${process.pid}-${++skuCounter}-`.padEnd(length, 'x');
const create = (body: object) => request(harness.app).post('/products').set(asAdmin()).send(body);

function expectRefused(res: request.Response, field: string): void {
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 400, requestId: res.headers['x-request-id'] });
  expect(res.body.errors).toEqual([expect.objectContaining({ path: field })]);
}

describe('the length of a product\'s sku and name', () => {
  it('when a create sends a sku and a name at the shared limits, then it answers 201 and keeps them whole', async () => {
    const body = { sku: skuOf(MAX_SKU_LENGTH), name: 'N'.repeat(MAX_PRODUCT_NAME_LENGTH), priceCents: 100 };
    const res = await create(body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sku: body.sku, name: body.name });
  });

  it.each([
    ['a sku one character over the limit', () => ({ sku: skuOf(MAX_SKU_LENGTH + 1), name: 'Valid' }), 'sku'],
    ['a name one character over the limit', () => ({ sku: skuOf(20), name: 'N'.repeat(MAX_PRODUCT_NAME_LENGTH + 1) }), 'name'],
  ])('when a create sends %s, then it answers 400 problem+json naming the field', async (_what, fields, field) => {
    expectRefused(await create({ ...fields(), priceCents: 100 }), field);
  });

  it('when a change sends a name one character over the limit, then it answers 400 and the product keeps its name', async () => {
    const created = await create({ sku: skuOf(20), name: 'Kept', priceCents: 100 });
    const url = `/products/${created.body.id}`;
    expectRefused(await request(harness.app).patch(url).set(asAdmin()).send({ name: 'N'.repeat(MAX_PRODUCT_NAME_LENGTH + 1) }), 'name');
    expect((await request(harness.app).get(url)).body.name).toBe('Kept');
  });
});
