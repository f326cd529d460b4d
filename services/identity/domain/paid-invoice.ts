/**
 * The counters a profile shows, fed by `billing.invoice.paid`. Each invoice counts once, whatever the number of
 * deliveries or event ids it arrives with: storage keeps a ledger keyed by invoice id and adds to the counters
 * only when the invoice is new, in the same transaction (and, behind the bus, the inbox's).
 */

/**
 * Cents of different currencies do not add up to anything. `lifetimeSpendCents` is in the platform currency;
 * an invoice in another one still counts in `paidInvoiceCount` and is kept in the ledger with its currency.
 */
export const PLATFORM_CURRENCY = 'USD';

export interface PaidInvoice {
  readonly invoiceId: string;
  readonly userId: string;
  readonly totalCents: number;
  readonly currency: string;
}

export type PaidInvoiceOutcome = 'counted' | 'duplicate' | 'unknown-user';

/** What an invoice adds to `lifetimeSpendCents`. */
export function spendOf(invoice: PaidInvoice): number {
  return invoice.currency.toUpperCase() === PLATFORM_CURRENCY ? invoice.totalCents : 0;
}
