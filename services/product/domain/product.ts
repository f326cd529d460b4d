/** The catalogue's rules, free of HTTP and SQL. */

export interface Product {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly description: string | null;
  readonly priceCents: number;
  readonly currency: string;
  readonly active: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewProduct {
  readonly sku: string;
  readonly name: string;
  readonly description?: string | null;
  readonly priceCents: number;
  readonly currency?: string;
}

export interface ProductChanges {
  readonly name?: string;
  readonly description?: string | null;
  readonly priceCents?: number;
  readonly active?: boolean;
}

/** Fits PostgreSQL's integer with room to add, and is far above any real unit price (ten million units). */
export const MAX_PRICE_CENTS = 1_000_000_000;

export const DEFAULT_CURRENCY = 'USD';

/** The ISO 4217 codes a price can be in: the contract's set, which Billing checks its price lists against too. */
export { isCurrencyCode } from '../../contracts/currencies';

/** Ids one price lookup may ask for (GetPrices' limit, the contract's): a bound on one query. */
export { GET_PRICES_MAX_IDS as MAX_PRICES_PER_LOOKUP } from '../../contracts/grpc/limits';

const PRODUCT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Product ids are UUIDs; anything else names no product (the REST API answers 404 for it, a lookup "missing"). */
export function isProductId(id: string): boolean {
  return PRODUCT_ID.test(id);
}

/** What a price lookup reads of a product: no description or timestamps, which no invoice line keeps. */
export type ProductPrice = Pick<Product, 'id' | 'sku' | 'name' | 'priceCents' | 'currency' | 'active'>;

/** A batch lookup's answer: every distinct id asked for is in exactly one of the two. */
export interface PriceLookup {
  readonly found: ProductPrice[];
  readonly missing: string[];
}

/** Keyset position in the public list. */
export interface ProductCursor {
  readonly createdAt: string;
  readonly id: string;
}

export interface ProductPage {
  readonly items: Product[];
  readonly hasMore: boolean;
}
