import { spendOf, type PaidInvoice, type PaidInvoiceOutcome } from './paid-invoice';
import type { UnitOfWork } from './ports';
import { isProfileId } from './profile';

export interface PaidInvoiceUseCases {
  /** `billing.invoice.paid`: adds the invoice to its owner's counters, once per invoice id. */
  recordInvoicePaid(invoice: PaidInvoice): Promise<PaidInvoiceOutcome>;
}

export interface PaidInvoiceUseCaseDeps {
  readonly unitOfWork: UnitOfWork;
}

export function paidInvoiceUseCases({ unitOfWork }: PaidInvoiceUseCaseDeps): PaidInvoiceUseCases {
  return {
    async recordInvoicePaid(invoice) {
      if (!Number.isSafeInteger(invoice.totalCents) || invoice.totalCents < 0) {
        throw new RangeError(`invoice ${invoice.invoiceId}: totalCents must be a non-negative safe integer`);
      }
      // A deleted user's invoice has no profile to count on; acknowledging it is the right end for the message.
      if (!isProfileId(invoice.userId)) return 'unknown-user';
      return unitOfWork.transaction(({ profiles }) => profiles.addPaidInvoice(invoice, spendOf(invoice)));
    },
  };
}
