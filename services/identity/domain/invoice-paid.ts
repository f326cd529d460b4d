/**
 * The counters a profile shows, fed by `billing.invoice.paid`. Each invoice counts once, whatever the number of
 * deliveries or event ids it arrives with: the store keeps a ledger keyed by invoice id and adds to the counters
 * only when the invoice is new, in the same transaction (and, behind the bus, the inbox's).
 */
import { isProfileId } from './profile';
import type { IdentityStore } from './store';

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

export function recordInvoicePaid(store: IdentityStore) {
  return async (invoice: PaidInvoice): Promise<PaidInvoiceOutcome> => {
    if (!Number.isSafeInteger(invoice.totalCents) || invoice.totalCents < 0) {
      throw new RangeError(`invoice ${invoice.invoiceId}: totalCents must be a non-negative safe integer`);
    }
    // A deleted user's invoice has no profile to count on; acknowledging it is the right end for the message.
    if (!isProfileId(invoice.userId)) return 'unknown-user';
    return store.transaction((tx) => tx.addPaidInvoice(invoice, spendOf(invoice)));
  };
}
