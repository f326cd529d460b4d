/** What the billing use cases need from the outside world; data-access implements each port. */
import type { EventData } from '../../contracts/events';
import type { Account } from './account';
import type { IdempotencyClaim } from './idempotency';
import type { CatalogProduct, Invoice, InvoiceCursor, InvoicePage, NewInvoice } from './invoice';

export interface AccountRepository {
  findByUser(userId: string): Promise<Account | undefined>;
  /**
   * The account, locked against a concurrent close until the transaction ends. Only meaningful inside a
   * transaction; invoices and payments read it this way so a close cannot slip between check and write.
   */
  findByUserForShare(userId: string): Promise<Account | undefined>;
  /** Creates an active account unless the user has one, active or closed; answers the one that exists. */
  open(userId: string): Promise<Account>;
  /** Marks the user's account closed, creating a closed tombstone when the open has not arrived yet. */
  close(userId: string): Promise<Account>;
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

/** `billing.invoice.paid`'s data, as the contract's event catalogue defines it. */
export type InvoicePaid = EventData<'billing.invoice.paid'>;

/** The events Billing produces, written in the same transaction as the change that causes them (the outbox). */
export interface OutgoingEvents {
  invoicePaid(event: InvoicePaid): Promise<void>;
}

export interface Repositories {
  readonly accounts: AccountRepository;
  readonly invoices: InvoiceRepository;
}

export interface TransactionScope extends Repositories {
  readonly events: OutgoingEvents;
}

/**
 * Storage as the use cases see it: repositories for single statements, and `transaction` for work that must
 * commit or roll back as one. Built on a caller's transaction (an event consumer's, which records the event id
 * in it), everything runs inside that transaction and `transaction` nests as a savepoint.
 */
export interface UnitOfWork extends Repositories {
  transaction<T>(work: (scope: TransactionScope) => Promise<T>): Promise<T>;
}

/** What the catalogue answered for each id asked: the product, or undefined when Product does not know it. */
export type CatalogAnswer = ReadonlyMap<string, CatalogProduct | undefined>;

/** Product's catalogue, read over its internal gRPC API (or its REST API, the fallback). */
export interface ProductCatalog {
  /**
   * Every id asked for (distinct, at most MAX_LINES) in one lookup, whatever their number: each maps to its
   * product, or to undefined when Product does not know it. Throws `CatalogUnavailableError` when Product cannot
   * answer (down, past the deadline, failing, or the circuit breaker is open). An aborted `signal` (the client
   * went away) ends the lookup without counting against Product.
   */
  findProducts(ids: readonly string[], options?: { readonly signal?: AbortSignal }): Promise<CatalogAnswer>;
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

/**
 * Product answered, but not as the contract says: an id not asked for or not accounted for, a price that is not a
 * whole non-negative number of cents, a currency that is not ISO 4217. A bug on one side, not Product being down:
 * the request fails as a 500 (which the deployment alarm counts), never with an invoice priced from that answer.
 */
export class CatalogContractError extends Error {
  override readonly name = 'CatalogContractError';
}
