/** What the product use cases need from the outside world; data-access implements each port. */
import type { NewProduct, Product, ProductChanges, ProductCursor, ProductPage, ProductPrice } from './product';

export interface ProductRepository {
  /** Throws `DuplicateSkuError` when the sku is taken. */
  insert(product: NewProduct): Promise<Product>;
  findById(id: string): Promise<Product | undefined>;
  /** The prices of the products among `ids` (distinct UUIDs), active or not, in no particular order; one round trip. */
  findPrices(ids: readonly string[]): Promise<ProductPrice[]>;
  listActive(limit: number, after: ProductCursor | undefined): Promise<ProductPage>;
  update(id: string, changes: ProductChanges): Promise<Product | undefined>;
}

export class DuplicateSkuError extends Error {
  constructor(readonly sku: string) {
    super(`sku "${sku}" is taken`);
    this.name = 'DuplicateSkuError';
  }
}

/**
 * Product's own record of users whose tokens no longer count (services/kit/auth/revocations.ts), kept from
 * `identity.user.deleted`: Product reads no other service's data.
 */
export interface TokenRevocations {
  /** Revokes every token of the user issued until now; idempotent. */
  revokeAll(userId: string): Promise<void>;
}

export interface Repositories {
  readonly products: ProductRepository;
  readonly revocations: TokenRevocations;
}

/** Product emits no events; were it to, `events: OutgoingEvents` would join here, as in Identity and Billing. */
export type TransactionScope = Repositories;

/**
 * Storage as the use cases see it: repositories for single statements, and `transaction` for work that must
 * commit or roll back as one. Every use case today is a single statement; the shape is the one all services share.
 */
export interface UnitOfWork extends Repositories {
  transaction<T>(work: (scope: TransactionScope) => Promise<T>): Promise<T>;
}
