/** The counters use case against the real storage (PostgreSQL). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaidInvoice } from '../../../../services/identity/domain/paid-invoice';
import { paidInvoiceUseCases } from '../../../../services/identity/domain/paid-invoice-use-cases';
import { countersOf, insertProfile, paidInvoice as invoice, startIdentityHarness, type IdentityHarness } from '../../../support/identity';

let harness: IdentityHarness;
let record: (invoice: PaidInvoice) => Promise<string>;

beforeAll(async () => {
  harness = await startIdentityHarness();
  record = paidInvoiceUseCases({ unitOfWork: harness.unitOfWork }).recordInvoicePaid;
});
afterAll(() => harness.close());

const newProfile = () => insertProfile(harness);
/** PostgreSQL's bigint, the column's type: 2^63 − 1. */
const BIGINT_MAX = 9_223_372_036_854_775_807n;
const counters = (id: string) => countersOf(harness, id);

describe('recordInvoicePaid', () => {
  it('when invoices are paid, then the count and the spend add up', async () => {
    const id = await newProfile();
    expect(await record(invoice(id, 1000))).toBe('counted');
    expect(await record(invoice(id, 250))).toBe('counted');
    expect(await counters(id)).toEqual({ count: 2, spend: 1250 });
  });

  it('when the same invoice arrives again, then it counts once', async () => {
    const id = await newProfile();
    const paid = invoice(id, 700);
    expect(await record(paid)).toBe('counted');
    expect(await record(paid)).toBe('duplicate');
    expect(await counters(id)).toEqual({ count: 1, spend: 700 });
  });

  it('when duplicates of one invoice and other invoices arrive at once, then each invoice counts once', async () => {
    const id = await newProfile();
    const paid = invoice(id, 100);
    const others = [invoice(id, 10), invoice(id, 20)];
    const outcomes = await Promise.all([record(paid), record(paid), record(paid), ...others.map((other) => record(other))]);
    expect(outcomes.filter((outcome) => outcome === 'counted')).toHaveLength(3);
    expect(await counters(id)).toEqual({ count: 3, spend: 130 });
  });

  it('when the invoice is in another currency, then it counts but adds no spend', async () => {
    const id = await newProfile();
    await record(invoice(id, 500, 'EUR'));
    expect(await counters(id)).toEqual({ count: 1, spend: 0 });
  });

  it('when the spend passes 32 bits, then it stays exact', async () => {
    const id = await newProfile();
    await record(invoice(id, 2_000_000_000));
    await record(invoice(id, 2_000_000_000));
    await record(invoice(id, 1));
    expect(await counters(id)).toEqual({ count: 3, spend: 4_000_000_001 });
  });

  it('when an invoice would take the spend past bigint\'s maximum, then the spend stays at that maximum and the invoice counts', async () => {
    const id = await newProfile();
    await harness.database.pool.query('UPDATE profiles SET lifetime_spend_cents = $1 WHERE id = $2', [(BIGINT_MAX - 10n).toString(), id]);
    expect(await record(invoice(id, 100))).toBe('counted'); // a PostgreSQL error here would fail every redelivery alike
    expect(await record(invoice(id, 1))).toBe('counted');
    const profile = await harness.unitOfWork.profiles.findById(id);
    expect([profile?.paidInvoiceCount, profile?.lifetimeSpendCents]).toEqual([2, BIGINT_MAX]);
  });

  it('when an invoice would take the count past integer\'s maximum, then the count stays at that maximum and the spend adds up', async () => {
    const id = await newProfile();
    await harness.database.pool.query('UPDATE profiles SET paid_invoice_count = 2147483647 WHERE id = $1', [id]);
    expect(await record(invoice(id, 100))).toBe('counted');
    expect(await counters(id)).toEqual({ count: 2_147_483_647, spend: 100 });
  });

  it('when the user has no profile (deleted, or not a uuid), then nothing is recorded', async () => {
    expect(await record(invoice(randomUUID(), 100))).toBe('unknown-user');
    expect(await record(invoice('not-a-uuid', 100))).toBe('unknown-user');
  });

  it('when the total is negative or not a safe integer, then it refuses before touching storage', async () => {
    const id = await newProfile();
    await expect(record(invoice(id, -1))).rejects.toThrow(RangeError);
    await expect(record(invoice(id, 2 ** 53))).rejects.toThrow(RangeError);
    expect(await counters(id)).toEqual({ count: 0, spend: 0 });
  });

  it('when the profile is deleted, then its ledger goes with it', async () => {
    const id = await newProfile();
    await record(invoice(id, 100));
    await harness.unitOfWork.profiles.delete(id);
    const { rows } = await harness.database.pool.query('SELECT 1 FROM paid_invoices WHERE user_id = $1', [id]);
    expect(rows).toHaveLength(0);
  });
});
