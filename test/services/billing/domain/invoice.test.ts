import { describe, expect, it } from 'vitest';
import { rejection } from '../../../support/rejection';
import { MAX_QUANTITY, priceInvoice, type CatalogProduct } from '../../../../services/billing/domain/invoice';
import { CatalogContractError } from '../../../../services/billing/domain/ports';
import { MAX_PRODUCT_NAME_LENGTH, MAX_SKU_LENGTH } from '../../../../services/contracts/product-fields';

const product = (id: string, change: Partial<CatalogProduct> = {}): CatalogProduct => ({
  id,
  sku: `SKU-${id}`,
  name: `Product ${id}`,
  priceCents: 250,
  currency: 'USD',
  active: true,
  ...change,
});

const catalogOf = (...products: Array<[string, CatalogProduct | undefined]>) => new Map(products);


describe('priceInvoice', () => {
  it('when every product is active, then each line freezes the catalogue values and the total sums the amounts', () => {
    const catalog = catalogOf(['a', product('a', { priceCents: 199 })], ['b', product('b', { priceCents: 1000, name: 'Bee' })]);
    const priced = priceInvoice([{ productId: 'a', quantity: 3 }, { productId: 'b', quantity: 2 }], catalog);
    expect(priced).toEqual({
      currency: 'USD',
      totalCents: 597 + 2000,
      lines: [
        { productId: 'a', sku: 'SKU-a', name: 'Product a', unitPriceCents: 199, quantity: 3, amountCents: 597 },
        { productId: 'b', sku: 'SKU-b', name: 'Bee', unitPriceCents: 1000, quantity: 2, amountCents: 2000 },
      ],
    });
  });

  it('when a product is free, then its line costs nothing and the invoice is still valid', () => {
    const priced = priceInvoice([{ productId: 'a', quantity: 5 }], catalogOf(['a', product('a', { priceCents: 0 })]));
    expect(priced.totalCents).toBe(0);
  });

  it('when prices and quantities are at their limits, then the total is exact', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `p${i}`);
    const catalog = new Map(ids.map((id) => [id, product(id, { priceCents: 2 ** 31 - 1 })] as const));
    const priced = priceInvoice(ids.map((productId) => ({ productId, quantity: MAX_QUANTITY })), catalog);
    expect(priced.totalCents).toBe((2 ** 31 - 1) * 1000 * 100);
    expect(Number.isSafeInteger(priced.totalCents)).toBe(true);
  });

  it('when a sku and a name are as long as Product accepts, then the line keeps them whole', () => {
    const [sku, name] = ['S'.repeat(MAX_SKU_LENGTH), 'N'.repeat(MAX_PRODUCT_NAME_LENGTH)];
    const priced = priceInvoice([{ productId: 'a', quantity: 1 }], catalogOf(['a', product('a', { sku, name })]));
    expect(priced.lines[0]).toMatchObject({ sku, name });
  });

  it('when the total would pass the exact integer range, then it answers 422 instead of a rounded total', () => {
    const catalog = catalogOf(['a', product('a', { priceCents: Number.MAX_SAFE_INTEGER })]);
    const error = rejection(() => priceInvoice([{ productId: 'a', quantity: 2 }], catalog));
    expect(error).toMatchObject({ status: 422, code: 'total-too-large', message: 'The invoice total is larger than this service can bill.' });
  });

  it('when the total is exactly the largest exact integer, then it is still billed', () => {
    const catalog = catalogOf(['a', product('a', { priceCents: Number.MAX_SAFE_INTEGER })]);
    expect(priceInvoice([{ productId: 'a', quantity: 1 }], catalog).totalCents).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('when products are unknown or inactive, then it answers 422 naming each of them', () => {
    const catalog = catalogOf(['a', product('a')], ['gone', undefined], ['off', product('off', { active: false })]);
    const error = rejection(() =>
      priceInvoice([{ productId: 'a', quantity: 1 }, { productId: 'gone', quantity: 1 }, { productId: 'off', quantity: 1 }], catalog),
    );
    expect(error).toMatchObject({ status: 422, code: 'unknown-product' });
    expect(error.message).toBe('These products are unknown or inactive: gone, off.');
  });

  it('when lines are in different currencies, then it answers 422 naming them', () => {
    const catalog = catalogOf(['a', product('a')], ['e', product('e', { currency: 'EUR' })]);
    const error = rejection(() => priceInvoice([{ productId: 'a', quantity: 1 }, { productId: 'e', quantity: 1 }], catalog));
    expect(error).toMatchObject({ status: 422, code: 'mixed-currencies' });
    expect(error.message).toBe('All lines of an invoice must share one currency; these are in USD, EUR.');
  });

  it('when every line is in another currency than USD, then the invoice takes that currency', () => {
    const catalog = catalogOf(['e', product('e', { currency: 'EUR' })], ['f', product('f', { currency: 'EUR' })]);
    expect(priceInvoice([{ productId: 'e', quantity: 1 }, { productId: 'f', quantity: 1 }], catalog).currency).toBe('EUR');
  });
});

/** Product's answer against the contract: no invoice from it, whatever the other lines (a 500 at the route). */
describe('priceInvoice with an answer that breaks the contract', () => {
  const two = [{ productId: 'a', quantity: 1 }, { productId: 'b', quantity: 2 }];
  const withB = (b: CatalogProduct) => catalogOf(['a', product('a', { priceCents: 1000 })], ['b', b]);
  /** What a call throws; fails the test if it throws nothing. */
  const thrown = (fn: () => unknown): Error => {
    try {
      fn();
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected priceInvoice to throw');
  };

  it.each<[string, CatalogProduct]>([
    ['a negative price (which would lower the total of the other lines)', product('b', { priceCents: -400 })],
    ['a price that is not a whole number of cents', product('b', { priceCents: 0.5 })],
    ['a price beyond exact integers', product('b', { priceCents: Number.MAX_SAFE_INTEGER + 2 })],
    ['a price that is not a number at all', product('b', { priceCents: Number.NaN })],
    ['a currency that is not ISO 4217', product('b', { currency: 'XYZ', priceCents: 1 })],
    ['a currency in lower case', product('b', { currency: 'usd' })],
    ['another product\'s id', product('c')],
    ['no sku', product('b', { sku: '' })],
    ['a name with a NUL character, which no text column stores', product('b', { name: 'B\u0000' })],
    ['a sku with a NUL character', product('b', { sku: 'S\u0000' })],
    ['a sku longer than Product accepts', product('b', { sku: 'S'.repeat(MAX_SKU_LENGTH + 1) })],
    ['a name longer than Product accepts', product('b', { name: 'N'.repeat(MAX_PRODUCT_NAME_LENGTH + 1) })],
  ])('when Product answers %s for one line, then it throws CatalogContractError naming it', (_what, b) => {
    const error = thrown(() => priceInvoice(two, withB(b)));
    expect(error).toBeInstanceOf(CatalogContractError);
    expect(error.message).toMatch(/ for b\b/);
  });

  it('when the answer says nothing of a requested id (neither priced nor unknown), then it throws CatalogContractError, not 422 unknown-product', () => {
    const error = thrown(() => priceInvoice(two, catalogOf(['a', product('a')])));
    expect(error).toBeInstanceOf(CatalogContractError);
    expect(error.message).toBe("Product's answer says nothing of b");
  });

  it('when the answer prices an id nobody asked for, then it throws CatalogContractError', () => {
    const error = thrown(() => priceInvoice(two, catalogOf(['a', product('a')], ['b', product('b')], ['x', product('x')])));
    expect(error).toBeInstanceOf(CatalogContractError);
    expect(error.message).toBe("Product's answer names x, which was not asked for");
  });
});
