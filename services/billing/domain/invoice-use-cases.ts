import { AppError } from '../../kit/errors';
import type { Account } from './account';
import { requestFingerprint, type IdempotencyClaim } from './idempotency';
import { priceInvoice, type Invoice, type InvoiceCursor, type InvoicePage, type RequestedLine } from './invoice';
import { CatalogUnavailableError, type CatalogAnswer, type ProductCatalog, type UnitOfWork } from './ports';

export interface CreateInvoiceCommand {
  readonly userId: string;
  readonly lines: readonly RequestedLine[];
  readonly idempotencyKey?: string;
  /** Aborted when the caller goes away: the price lookup is cancelled (and not held against Product). */
  readonly signal?: AbortSignal;
}

export interface CreatedInvoice {
  readonly invoice: Invoice;
  /** True when an earlier request with the same key and body created it. */
  readonly replayed: boolean;
}

export interface InvoiceUseCases {
  create(command: CreateInvoiceCommand): Promise<CreatedInvoice>;
  get(userId: string, id: string): Promise<Invoice>;
  list(userId: string, limit: number, after: InvoiceCursor | undefined): Promise<InvoicePage>;
  pay(userId: string, id: string): Promise<Invoice>;
}

export interface InvoiceUseCaseDeps {
  readonly unitOfWork: UnitOfWork;
  readonly productCatalog: ProductCatalog;
}

const invoiceNotFound = (id: string) => AppError.notFound(`Invoice ${id} does not exist.`);

/** A closed account takes no new money movements; both answers are 404, "no billing account" to bill. */
function requireActive(account: Account | undefined): Account {
  if (!account) throw new AppError(404, 'no-billing-account', { detail: 'You have no billing account.' });
  if (account.status === 'closed') throw new AppError(404, 'account-closed', { detail: 'Your billing account is closed.' });
  return account;
}

/** Asks Product for every line in one lookup; prices are read before any transaction opens. */
async function lookUpProducts(productCatalog: ProductCatalog, lines: readonly RequestedLine[], signal: AbortSignal | undefined): Promise<CatalogAnswer> {
  try {
    return await productCatalog.findProducts(lines.map((line) => line.productId), signal ? { signal } : {});
  } catch (error) {
    if (!(error instanceof CatalogUnavailableError)) throw error;
    throw AppError.unavailable('Prices cannot be read from the product catalogue right now; no invoice was created.', error.retryAfterSeconds, error);
  }
}

export function invoiceUseCases({ unitOfWork, productCatalog }: InvoiceUseCaseDeps): InvoiceUseCases {
  /** The invoice an earlier request with this key created, if any; 422 when that request had another body. */
  const replay = async (userId: string, claim: IdempotencyClaim): Promise<CreatedInvoice | undefined> => {
    const earlier = await unitOfWork.invoices.findByIdempotencyKey(userId, claim.key);
    if (!earlier) return undefined;
    if (earlier.fingerprint !== claim.fingerprint) {
      throw AppError.unprocessable('This Idempotency-Key was already used with another request body.', 'idempotency-key-reused');
    }
    return { invoice: earlier.invoice, replayed: true };
  };

  return {
    async create({ userId, lines, idempotencyKey, signal }) {
      const claim = idempotencyKey === undefined ? undefined : { key: idempotencyKey, fingerprint: requestFingerprint(lines) };
      // A retry is answered from storage alone, even while Product is down.
      const earlier = claim && (await replay(userId, claim));
      if (earlier) return earlier;

      const account = requireActive(await unitOfWork.accounts.findByUser(userId));
      const priced = priceInvoice(lines, await lookUpProducts(productCatalog, lines, signal));

      const created = await unitOfWork.transaction(async ({ accounts, invoices }) => {
        // Re-read under a share lock: a close that committed while Product answered wins.
        requireActive(await accounts.findByUserForShare(userId));
        return invoices.insert({ accountId: account.id, userId, ...priced }, claim);
      });
      if (created) return { invoice: created, replayed: false };
      // A concurrent request with the same key committed first: this one is its retry.
      const concurrent = claim && (await replay(userId, claim));
      if (!concurrent) throw new Error('the idempotency key was taken, yet no invoice holds it');
      return concurrent;
    },

    async get(userId, id) {
      const invoice = await unitOfWork.invoices.findOwned(userId, id);
      if (!invoice) throw invoiceNotFound(id);
      return invoice;
    },

    list: (userId, limit, after) => unitOfWork.invoices.listOwned(userId, limit, after),

    pay: (userId, id) =>
      unitOfWork.transaction(async ({ accounts, invoices, events }) => {
        requireActive(await accounts.findByUserForShare(userId));
        // The conditional update decides: of two concurrent payments, the second finds the row no longer open.
        const paid = await invoices.markPaid(userId, id);
        if (!paid) {
          const existing = await invoices.findOwned(userId, id);
          if (!existing) throw invoiceNotFound(id);
          throw AppError.conflict(`Invoice ${id} is ${existing.status}, not open.`, 'invoice-not-open');
        }
        const { id: invoiceId, accountId, totalCents, currency } = paid;
        await events.invoicePaid({ invoiceId, accountId, userId, totalCents, currency });
        return paid;
      }),
  };
}
