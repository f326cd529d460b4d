import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, loginAs, type TestTokens } from '../../../../support/auth';
import { startProductHarness, type ProductHarness } from '../../../../support/product';

let harness: ProductHarness;
let admin: TestTokens;
let productId: string;

beforeAll(async () => {
  harness = await startProductHarness();
  admin = await loginAs({ admin: true });
  const created = await request(harness.app).post('/products').set(bearer(admin)).send({ sku: `CACHE-${Date.now()}`, name: 'Cached', priceCents: 100 });
  productId = created.body.id;
});
afterAll(() => harness.close());

describe('what caches are told about the catalogue', () => {
  it.each([
    ['the list', () => '/products'],
    ['one product', () => `/products/${productId}`],
  ])('when anyone reads %s, then a cache in front must ask again before each use (a price changes)', async (_what, path) => {
    const res = await request(harness.app).get(path());
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('when a product id names nothing, then the 404 is kept by no cache', async () => {
    const res = await request(harness.app).get('/products/00000000-0000-4000-8000-000000000000');
    expect(res.status).toBe(404);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
