/** Invoices and their pricing rules, free of HTTP and SQL. */
import { AppError } from '../../kit/errors';
import { checkCatalogAnswer } from './catalog-answer';
import type { CatalogAnswer } from './ports';

export type InvoiceStatus = 'open' | 'paid';

export interface InvoiceLine {
  readonly productId: string;
  readonly sku: string;
  readonly name: string;
  readonly unitPriceCents: number;
  readonly quantity: number;
  readonly amountCents: number;
}

export interface Invoice {
  readonly id: string;
  readonly accountId: string;
  /** The owner; kept on the invoice so every read is scoped by it without a join. */
  readonly userId: string;
  readonly status: InvoiceStatus;
  readonly currency: string;
  readonly totalCents: number;
  readonly lines: readonly InvoiceLine[];
  readonly createdAt: Date;
  readonly paidAt: Date | null;
}

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

/** What a caller asks to buy. */
export interface RequestedLine {
  readonly productId: string;
  readonly quantity: number;
}

/** A product as the catalogue answered at creation time; its price is frozen into the line. */
export interface CatalogProduct {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly active: boolean;
}

export const MIN_QUANTITY = 1;
export const MAX_QUANTITY = 1000;
/** A hundred distinct products is far beyond a real basket, and bounds the calls to Product per request. */
export const MAX_LINES = 100;
/**
 * Totals are exact integers in JavaScript and in the bigint columns up to here. With Product's own price limit,
 * 1000 × 100 lines stays ~90× below it; the check guards against a catalogue that one day allows more (the sum
 * itself is taken in bigint, so it is exact whatever the prices).
 */
export const MAX_TOTAL_CENTS = Number.MAX_SAFE_INTEGER;

export interface PricedInvoice {
  readonly currency: string;
  readonly totalCents: number;
  readonly lines: InvoiceLine[];
}

/**
 * Freezes each line's price from the catalogue answer (undefined = Product does not know the id) and sums the
 * total. An answer that breaks the contract throws `CatalogContractError` (a 500, no invoice). Unknown or inactive
 * products, mixed currencies and a total beyond exact integers answer 422: the request is well-formed but cannot be
 * billed as asked.
 */
export function priceInvoice(requested: readonly RequestedLine[], catalog: CatalogAnswer): PricedInvoice {
  checkCatalogAnswer(requested, catalog);
  const unbillable = requested.filter((line) => !catalog.get(line.productId)?.active).map((line) => line.productId);
  if (unbillable.length > 0) {
    throw AppError.unprocessable(`These products are unknown or inactive: ${unbillable.join(', ')}.`, 'unknown-product');
  }
  const priced = requested.map((line) => ({ line, product: catalog.get(line.productId)! }));
  const currencies = [...new Set(priced.map(({ product }) => product.currency))];
  if (currencies.length !== 1) {
    throw AppError.unprocessable(`All lines of an invoice must share one currency; these are in ${currencies.join(', ')}.`, 'mixed-currencies');
  }
  // Summed in bigint: a number sum past 2^53 would round, and a rounded total could pass a check meant to stop it.
  const amounts = priced.map(({ line, product }) => BigInt(product.priceCents) * BigInt(line.quantity));
  const totalCents = amounts.reduce((sum, amount) => sum + amount, 0n);
  if (totalCents > BigInt(MAX_TOTAL_CENTS)) {
    throw AppError.unprocessable('The invoice total is larger than this service can bill.', 'total-too-large');
  }
  // Every amount is at most the total, so each converts to a number exactly.
  const lines = priced.map(({ line, product }, i) => ({
    productId: product.id,
    sku: product.sku,
    name: product.name,
    unitPriceCents: product.priceCents,
    quantity: line.quantity,
    amountCents: Number(amounts[i]),
  }));
  return { currency: currencies[0]!, totalCents: Number(totalCents), lines };
}
