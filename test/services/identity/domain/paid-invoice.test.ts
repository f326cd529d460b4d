import { describe, expect, it } from 'vitest';
import { spendOf } from '../../../../services/identity/domain/paid-invoice';

describe('spendOf', () => {
  it('when the invoice is in USD, then all of it is spend; in another currency, none of it', () => {
    expect(spendOf({ invoiceId: 'i', userId: 'u', totalCents: 1250, currency: 'USD' })).toBe(1250);
    expect(spendOf({ invoiceId: 'i', userId: 'u', totalCents: 1250, currency: 'EUR' })).toBe(0);
  });
});
