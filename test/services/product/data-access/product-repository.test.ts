import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProductHarness, type ProductHarness } from '../../../support/product';
import { MAX_PRODUCT_NAME_LENGTH, MAX_SKU_LENGTH } from '../../../../services/contracts/product-fields';

let harness: ProductHarness;
beforeAll(async () => {
  harness = await startProductHarness();
});
afterAll(() => harness.close());

describe('the product repository', () => {
  it('when many products are created at once, then no two share a createdAt, so the list\'s order is never left to their random ids', async () => {
    const created = await Promise.all(Array.from({ length: 12 }, (_, i) => harness.unitOfWork.products.insert({ sku: `BURST-${i}`, name: 'Burst', priceCents: 1 })));
    const stamps = created.map((p) => p.createdAt.getTime());
    expect(new Set(stamps).size).toBe(created.length);
    expect(created.every((p) => p.updatedAt.getTime() === p.createdAt.getTime())).toBe(true);
  });

  it('when a product\'s createdAt is ahead of the clock (as a burst of creates stamps them), then a change never dates updatedAt before it', async () => {
    const product = await harness.unitOfWork.products.insert({ sku: 'AHEAD', name: 'Ahead', priceCents: 1 });
    await harness.database.pool.query(`UPDATE products SET created_at = created_at + interval '1 minute' WHERE id = $1`, [product.id]);
    const changed = await harness.unitOfWork.products.update(product.id, { priceCents: 2 });
    expect(changed!.updatedAt.getTime()).toBeGreaterThanOrEqual(changed!.createdAt.getTime());
  });
});

describe('the product repository, once the newest product is withdrawn', () => {
  it('when a product is created after the newest one was deactivated, then it still lands after a cursor that reached the withdrawn one', async () => {
    const newest = await harness.unitOfWork.products.insert({ sku: 'WITHDRAWN-NEWEST', name: 'Withdrawn', priceCents: 1 });
    // Ahead of the clock, as a burst of creates (or a clock stepped back) leaves the newest stamp.
    await harness.database.pool.query(`UPDATE products SET created_at = created_at + interval '1 hour', updated_at = updated_at + interval '1 hour' WHERE id = $1`, [newest.id]);
    const [reached] = await harness.database.pool.query<{ created_at: Date }>(`SELECT created_at FROM products WHERE id = $1`, [newest.id]).then((r) => r.rows);
    const cursor = { createdAt: reached!.created_at.toISOString(), id: newest.id };
    await harness.unitOfWork.products.update(newest.id, { active: false });

    const created = await harness.unitOfWork.products.insert({ sku: 'AFTER-WITHDRAWN', name: 'After', priceCents: 1 });
    const next = await harness.unitOfWork.products.listActive(10, cursor);
    expect(next.items.map((p) => p.id)).toContain(created.id);
  });
});

describe('the products table\'s own length checks', () => {
  const write = (sku: string, name: string) =>
    harness.database.pool.query('INSERT INTO products (sku, name, price_cents) VALUES ($1, $2, 1)', [sku, name]).then(
      () => 'written',
      (error: { constraint?: string }) => error.constraint,
    );

  it('when a row is written around the API, then a sku or name longer than the contract allows is refused; the longest allowed go in', async () => {
    // Names in code points, astral ones included: the API counts UTF-16 units, two for each of these.
    expect(await write('S'.repeat(MAX_SKU_LENGTH), '🦀'.repeat(MAX_PRODUCT_NAME_LENGTH))).toBe('written');
    expect(await write('T'.repeat(MAX_SKU_LENGTH + 1), 'n')).toBe('products_sku_length_check');
    expect(await write('', 'n')).toBe('products_sku_length_check');
    expect(await write('U', 'n'.repeat(MAX_PRODUCT_NAME_LENGTH + 1))).toBe('products_name_length_check');
  });

  it('when the checks were added to a running platform, then they scanned none of the products already there (NOT VALID)', async () => {
    const { rows } = await harness.database.pool.query("SELECT conname, convalidated FROM pg_constraint WHERE conname LIKE 'products_%_length_check' ORDER BY conname");
    expect(rows).toEqual([{ conname: 'products_name_length_check', convalidated: false }, { conname: 'products_sku_length_check', convalidated: false }]);
  });
});
