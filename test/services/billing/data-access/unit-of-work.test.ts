/**
 * The seam an event consumer uses: the inbox opens a transaction, records the event id in it, and runs the
 * account use case on a unit of work built on that same transaction, so the effect and the record commit or
 * vanish together.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingUnitOfWork } from '../../../../services/billing/data-access/unit-of-work';
import { accountUseCases } from '../../../../services/billing/domain/account-use-cases';
import { startBillingHarness, type BillingHarness } from '../../../support/billing';

let harness: BillingHarness;

beforeAll(async () => {
  harness = await startBillingHarness();
});
afterAll(() => harness?.close());

const noEvents = () => ({ invoicePaid: async () => {} });

describe('billingUnitOfWork on a caller transaction', () => {
  it('when the caller commits, then the account opened inside it exists', async () => {
    const userId = randomUUID();
    await harness.database.db.transaction(async (tx) => {
      await accountUseCases({ unitOfWork: billingUnitOfWork(tx, noEvents) }).openAccount(userId);
    });
    expect(await harness.unitOfWork.accounts.findByUser(userId)).toMatchObject({ status: 'active' });
  });

  it('when the caller rolls back after the use case ran, then the account was never opened', async () => {
    const userId = randomUUID();
    await expect(
      harness.database.db.transaction(async (tx) => {
        await accountUseCases({ unitOfWork: billingUnitOfWork(tx, noEvents) }).openAccount(userId);
        throw new Error('recording the event id failed');
      }),
    ).rejects.toThrow('recording the event id failed');
    expect(await harness.unitOfWork.accounts.findByUser(userId)).toBeUndefined();
  });

  it('when work runs in a nested transaction of the caller, then it commits only with the caller', async () => {
    const userId = randomUUID();
    await expect(
      harness.database.db.transaction(async (tx) => {
        const unitOfWork = billingUnitOfWork(tx, noEvents);
        await unitOfWork.transaction(({ accounts }) => accounts.close(userId));
        expect(await unitOfWork.accounts.findByUser(userId)).toMatchObject({ status: 'closed' });
        throw new Error('caller gives up');
      }),
    ).rejects.toThrow('caller gives up');
    expect(await harness.unitOfWork.accounts.findByUser(userId)).toBeUndefined();
  });

  it('when events go through the kit inbox, then a redelivery does nothing and a late open cannot reopen', async () => {
    const userId = randomUUID();
    const handle = (id: string, type: string, effect: 'openAccount' | 'closeAccount') =>
      harness.inbox.handleOnce('billing-accounts', { id, type }, async (unitOfWork) => {
        await accountUseCases({ unitOfWork })[effect](userId);
      });
    const [closeId, openId] = [randomUUID(), randomUUID()];
    expect(await handle(closeId, 'identity.user.deleted', 'closeAccount')).toBe(true);
    expect(await handle(openId, 'identity.user.registered', 'openAccount')).toBe(true);
    expect(await handle(openId, 'identity.user.registered', 'openAccount')).toBe(false);
    expect(await harness.unitOfWork.accounts.findByUser(userId)).toMatchObject({ status: 'closed' });
  });
});
