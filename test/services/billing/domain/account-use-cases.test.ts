import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBillingHarness, type BillingHarness } from '../../../support/billing';

let harness: BillingHarness;

beforeAll(async () => {
  harness = await startBillingHarness();
});
afterAll(() => harness.close());

type Step = 'open' | 'close';
const run = (userId: string, step: Step) =>
  step === 'open' ? harness.accounts.openAccount(userId) : harness.accounts.closeAccount(userId);

describe('openAccount and closeAccount', () => {
  it('when a user is opened, then the account is active with a stable id', async () => {
    const userId = randomUUID();
    const opened = await harness.accounts.openAccount(userId);
    expect(opened).toMatchObject({ userId, status: 'active' });
    expect(await harness.accounts.getAccount(userId)).toEqual(opened);
  });

  it('when the open is delivered twice, then the second answers the same account', async () => {
    const userId = randomUUID();
    const first = await harness.accounts.openAccount(userId);
    expect(await harness.accounts.openAccount(userId)).toEqual(first);
  });

  it.each<[string, Step[]]>([
    ['open, close', ['open', 'close']],
    ['close, open', ['close', 'open']],
    ['close, close, open', ['close', 'close', 'open']],
    ['open, close, open', ['open', 'close', 'open']],
    ['open, open, close', ['open', 'open', 'close']],
  ])('when events arrive as %s, then the account ends closed', async (_order, steps) => {
    const userId = randomUUID();
    for (const step of steps) await run(userId, step);
    expect(await harness.accounts.getAccount(userId)).toMatchObject({ userId, status: 'closed' });
  });

  it('when an account is closed, then it keeps its id and creation time', async () => {
    const userId = randomUUID();
    const opened = await harness.accounts.openAccount(userId);
    const closed = await harness.accounts.closeAccount(userId);
    expect(closed).toEqual({ ...opened, status: 'closed' });
  });

  it('when opens and closes for one user race, then it ends closed with exactly one account row', async () => {
    const userId = randomUUID();
    await Promise.all([run(userId, 'open'), run(userId, 'close'), run(userId, 'open'), run(userId, 'close')]);
    expect(await harness.accounts.getAccount(userId)).toMatchObject({ status: 'closed' });
    const rows = await harness.database.pool.query('SELECT count(*)::int AS n FROM accounts WHERE user_id = $1', [userId]);
    expect(rows.rows[0].n).toBe(1);
  });

  it('when the user never had an account, then getAccount answers 404', async () => {
    await expect(harness.accounts.getAccount(randomUUID())).rejects.toMatchObject({ status: 404 });
  });

  it('when the user id is empty, then the use cases refuse it', async () => {
    await expect(harness.accounts.openAccount('')).rejects.toMatchObject({ status: 400 });
    await expect(harness.accounts.closeAccount('')).rejects.toMatchObject({ status: 400 });
  });
});
