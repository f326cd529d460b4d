/** What the billing use cases need from the outside world; data-access implements each port. */
import type { AccountRepository } from './account';
import type { IdempotencyClaim } from './idempotency';
import type { CatalogProduct, Invoice } from './invoice';

export type NewInvoice = Omit<Invoice, 'id' | 'createdAt' | 'paidAt' | 'status'>;

/** Keyset position in a user's invoice list (newest first). */
export interface InvoiceCursor {
  readonly createdAt: string;
  readonly id: string;
}

export interface InvoicePage {
  readonly items: Invoice[];
  readonly hasMore: boolean;
}

export interface InvoiceRepository {
  /**
   * Inserts an open invoice. With a claim, the (user, key) pair is unique: when another transaction holds the
   * key, the insert waits for it, and answers undefined if it committed. The database decides, not a lock here.
   */
  insert(invoice: NewInvoice, claim?: IdempotencyClaim): Promise<Invoice | undefined>;
  findByIdempotencyKey(userId: string, key: string): Promise<{ invoice: Invoice; fingerprint: string } | undefined>;
  findOwned(userId: string, id: string): Promise<Invoice | undefined>;
  listOwned(userId: string, limit: number, after: InvoiceCursor | undefined): Promise<InvoicePage>;
  /** open → paid for the owner's invoice; undefined when it is not theirs or not open (the row decides). */
  markPaid(userId: string, id: string): Promise<Invoice | undefined>;
}

/** `billing.invoice.paid`, as the contract's event catalogue defines its data. */
export interface InvoicePaid {
  readonly invoiceId: string;
  readonly accountId: string;
  readonly userId: string;
  readonly totalCents: number;
  readonly currency: string;
}

/** Events written in the same transaction as the change that causes them (the transactional outbox). */
export interface BillingEvents {
  invoicePaid(event: InvoicePaid): Promise<void>;
}

export interface Repositories {
  readonly accounts: AccountRepository;
  readonly invoices: InvoiceRepository;
}

export interface TransactionScope extends Repositories {
  readonly events: BillingEvents;
}

/**
 * Storage as the use cases see it: repositories for single statements, and `transaction` for work that must
 * commit or roll back as one. Built on a caller's transaction (an event consumer's, which records the event id
 * in it), everything runs inside that transaction and `transaction` nests as a savepoint.
 */
export interface UnitOfWork extends Repositories {
  transaction<T>(work: (scope: TransactionScope) => Promise<T>): Promise<T>;
}

/** Product's catalogue, read over its HTTP API. */
export interface ProductCatalog {
  /**
   * The product, or undefined when Product does not know the id. Throws `CatalogUnavailableError` when Product
   * cannot answer (down, timing out, failing, or the circuit breaker is open).
   */
  findProduct(id: string): Promise<CatalogProduct | undefined>;
}

export class CatalogUnavailableError extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super('The product catalogue is unavailable.', options);
    this.name = 'CatalogUnavailableError';
  }
}
