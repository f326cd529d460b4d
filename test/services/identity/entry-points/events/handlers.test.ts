/** Identity's `billing.invoice.paid` handler behind the kit's inbox, on a real database. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaidInvoice } from '../../../../../services/identity/domain/paid-invoice';
import { paidInvoiceUseCases } from '../../../../../services/identity/domain/paid-invoice-use-cases';
import { COUNTERS_CONSUMER, identityEventHandlers } from '../../../../../services/identity/entry-points/events/handlers';
import { newCloudEvent } from '../../../../../services/kit/bus/cloud-event';
import { countersOf, insertProfile, paidInvoice as invoice, startIdentityHarness, type IdentityHarness } from '../../../../support/identity';
import { testLogger } from '../../../../support/silent-logger';

let harness: IdentityHarness;

beforeAll(async () => {
  harness = await startIdentityHarness();
});
afterAll(() => harness.close());

const newProfile = () => insertProfile(harness);
const counters = (id: string) => countersOf(harness, id);
const delivery = { messageId: 'test-message', receiveCount: 1 };

describe('billing.invoice.paid behind the inbox', () => {
  const handle = (event: ReturnType<typeof paidEvent>) =>
    identityEventHandlers({ inbox: harness.inbox, logger: testLogger })['billing.invoice.paid'](event, delivery);
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
    await Promise.all([handle(event), handle(event)]);
    await handle(event);
    expect(await counters(id)).toEqual({ count: 1, spend: 900 });
    const { rows } = await harness.database.pool.query('SELECT consumer FROM inbox WHERE event_id = $1', [event.id]);
    expect(rows).toEqual([{ consumer: COUNTERS_CONSUMER }]);
  });

  it('when one invoice comes in two events with different ids, then it still counts once', async () => {
    const id = await newProfile();
    const paid = invoice(id, 400);
    await handle(paidEvent(paid));
    await handle(paidEvent(paid));
    expect(await counters(id)).toEqual({ count: 1, spend: 400 });
  });

  it('when an event would take the spend past bigint\'s maximum, then it is handled, the spend held at that maximum, not failed at every delivery', async () => {
    const id = await newProfile();
    await harness.database.pool.query('UPDATE profiles SET lifetime_spend_cents = 9223372036854775800 WHERE id = $1', [id]);
    const event = paidEvent(invoice(id, 2 ** 53 - 1)); // the largest invoice Billing makes
    await handle(event);
    const { rows } = await harness.database.pool.query('SELECT paid_invoice_count, lifetime_spend_cents FROM profiles WHERE id = $1', [id]);
    expect(rows).toEqual([{ paid_invoice_count: 1, lifetime_spend_cents: '9223372036854775807' }]);
    expect((await harness.database.pool.query('SELECT 1 FROM inbox WHERE event_id = $1', [event.id])).rows).toHaveLength(1);
  });

  it('when the effect fails, then the event is not marked handled and a redelivery counts it', async () => {
    const id = await newProfile();
    const event = paidEvent(invoice(id, 300));
    await expect(
      harness.inbox.handleOnce(COUNTERS_CONSUMER, event, async (unitOfWork) => {
        await paidInvoiceUseCases({ unitOfWork }).recordInvoicePaid(event.data);
        throw new Error('crash after the counters, before commit');
      }),
    ).rejects.toThrow('crash');
    expect(await counters(id)).toEqual({ count: 0, spend: 0 });
    await handle(event);
    expect(await counters(id)).toEqual({ count: 1, spend: 300 });
  });
});
