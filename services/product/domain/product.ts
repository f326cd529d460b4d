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

/** Keyset position in the public list. */
export interface ProductCursor {
  readonly createdAt: string;
  readonly id: string;
}

export interface ProductPage {
  readonly items: Product[];
  readonly hasMore: boolean;
}
