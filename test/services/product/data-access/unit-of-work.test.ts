/** productUnitOfWork: the repositories on the database, and the same repositories inside one transaction. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProductHarness, type ProductHarness } from '../../../support/product';

let harness: ProductHarness;

beforeAll(async () => {
  harness = await startProductHarness();
});
afterAll(() => harness?.close());

describe('productUnitOfWork', () => {
  it('when the work in a transaction completes, then its writes are there', async () => {
    const created = await harness.unitOfWork.transaction(({ products }) => products.insert({ sku: 'UOW-COMMIT', name: 'Kept', priceCents: 1 }));
    expect(await harness.unitOfWork.products.findById(created.id)).toMatchObject({ sku: 'UOW-COMMIT' });
  });

  it('when the work in a transaction throws after a write, then the write is rolled back', async () => {
    let id = '';
    await expect(
      harness.unitOfWork.transaction(async ({ products }) => {
        id = (await products.insert({ sku: 'UOW-ROLLBACK', name: 'Gone', priceCents: 1 })).id;
        throw new Error('gave up');
      }),
    ).rejects.toThrow('gave up');
    expect(await harness.unitOfWork.products.findById(id)).toBeUndefined();
  });
});
