/** The counters use case against the real store (PostgreSQL), directly and behind the platform inbox. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxRunner } from '../../../../services/identity/data-access/inbox-runner';
import { COUNTERS_CONSUMER, invoicePaidHandler } from '../../../../services/identity/entry-points/events/invoice-paid';
import { recordInvoicePaid, spendOf, type PaidInvoice } from '../../../../services/identity/domain/invoice-paid';
import { newCloudEvent } from '../../../../services/platform/bus/cloud-event';
import { uniqueEmail } from '../../../support/cognito';
import { startIdentityHarness, type IdentityHarness } from '../../../support/identity';
import { testLogger } from '../../../support/silent-logger';

let harness: IdentityHarness;
let record: (invoice: PaidInvoice) => Promise<string>;

beforeAll(async () => {
  harness = await startIdentityHarness();
  record = recordInvoicePaid(harness.store);
});
afterAll(() => harness.close());

/** A profile straight in the store: the counters do not care how it was made. */
async function newProfile(): Promise<string> {
  const id = randomUUID();
  await harness.store.transaction((tx) => tx.insertProfile({ id, email: uniqueEmail('payer'), name: 'Payer' }));
  return id;
}

const invoice = (userId: string, totalCents: number, currency = 'USD'): PaidInvoice => ({
  invoiceId: randomUUID(),
  userId,
  totalCents,
  currency,
});

const counters = async (id: string) => {
  const profile = await harness.store.findProfile(id);
  return { count: profile?.paidInvoiceCount, spend: profile?.lifetimeSpendCents };
};

describe('spendOf', () => {
  it('when the invoice is in USD, then all of it is spend; in another currency, none of it', () => {
    expect(spendOf({ invoiceId: 'i', userId: 'u', totalCents: 1250, currency: 'USD' })).toBe(1250);
    expect(spendOf({ invoiceId: 'i', userId: 'u', totalCents: 1250, currency: 'EUR' })).toBe(0);
  });
});

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
    await harness.store.transaction((tx) => tx.deleteProfile(id));
    const { rows } = await harness.database.pool.query('SELECT 1 FROM paid_invoices WHERE user_id = $1', [id]);
    expect(rows).toHaveLength(0);
  });
});

describe('billing.invoice.paid behind the inbox', () => {
  const handle = () => invoicePaidHandler(inboxRunner(harness.database.db, COUNTERS_CONSUMER), testLogger);
  const paidEvent = (paid: PaidInvoice, id?: string) =>
    newCloudEvent({
      type: 'billing.invoice.paid' as const,
      source: '/billing',
      ...(id ? { id } : {}),
      data: { invoiceId: paid.invoiceId, accountId: randomUUID(), userId: paid.userId, totalCents: paid.totalCents, currency: paid.currency },
    });

  it('when one event is delivered three times, at once and later, then the counters move once and the inbox has it', async () => {
    const id = await newProfile();
    const event = paidEvent(invoice(id, 900));
    await Promise.all([handle()(event), handle()(event)]);
    await handle()(event);
    expect(await counters(id)).toEqual({ count: 1, spend: 900 });
    const { rows } = await harness.database.pool.query('SELECT consumer FROM inbox WHERE event_id = $1', [event.id]);
    expect(rows).toEqual([{ consumer: COUNTERS_CONSUMER }]);
  });

  it('when one invoice comes in two events with different ids, then it still counts once', async () => {
    const id = await newProfile();
    const paid = invoice(id, 400);
    await handle()(paidEvent(paid));
    await handle()(paidEvent(paid));
    expect(await counters(id)).toEqual({ count: 1, spend: 400 });
  });

  it('when the effect fails, then the event is not marked handled and a redelivery counts it', async () => {
    const id = await newProfile();
    const event = paidEvent(invoice(id, 300));
    const failing = inboxRunner(harness.database.db, COUNTERS_CONSUMER);
    await expect(
      failing(event, async (store) => {
        await recordInvoicePaid(store)(event.data);
        throw new Error('crash after the counters, before commit');
      }),
    ).rejects.toThrow('crash');
    expect(await counters(id)).toEqual({ count: 0, spend: 0 });
    await handle()(event);
    expect(await counters(id)).toEqual({ count: 1, spend: 300 });
  });
});
