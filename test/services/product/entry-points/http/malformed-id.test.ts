import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, loginAs, type TestTokens } from '../../../../support/auth';
import { startProductHarness, type ProductHarness } from '../../../../support/product';

let harness: ProductHarness;
let admin: TestTokens;

beforeAll(async () => {
  harness = await startProductHarness();
  admin = await loginAs({ admin: true });
});
afterAll(() => harness.close());

const asAdmin = () => bearer(admin);

describe('a malformed product id in the path', () => {
  const malformed = `%1b%5b31m${'x'.repeat(8_000)}`;

  it.each(['get', 'patch', 'delete'] as const)('when it is sent to %s, then the 404 detail does not repeat it (no control characters, no kilobytes echoed twice)', async (method) => {
    const res = await request(harness.app)[method](`/products/${malformed}`).set(asAdmin());
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe('No product has this id: product ids are UUIDs.');
    expect(res.body.instance).toBe(`/products/${malformed}`);
  });
});
