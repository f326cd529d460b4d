/**
 * Invoice lines are written in one statement with one JSON parameter (json_to_recordset), whatever their number: every line comes
 * back as written and in its order, text that looks like array syntax or NULL included, and the table's checks
 * still hold. Lists page by (created_at, id), so invoices written in one transaction (one created_at) are all served.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvoiceLine } from '../../../../services/billing/domain/invoice';
import { startBillingHarness, type BillingHarness } from '../../../support/billing';

let harness: BillingHarness;
let accountId: string;
const userId = randomUUID();

beforeAll(async () => {
  harness = await startBillingHarness();
  accountId = (await harness.unitOfWork.accounts.open(userId)).id;
});
afterAll(() => harness?.close());

const HOSTILE_TEXT = ['NULL', 'null', '', 'a,b', '{x,y}', '"quoted"', 'back\\slash', "it's", 'ünïcødé ✓', ' padded '];

function line(i: number, overrides: Partial<InvoiceLine> = {}): InvoiceLine {
  const unitPriceCents = 1_000_000_000 - i;
  const quantity = (i % 1000) + 1;
  return { productId: randomUUID(), sku: `SKU-${i}`, name: HOSTILE_TEXT[i % HOSTILE_TEXT.length]!, unitPriceCents, quantity, amountCents: unitPriceCents * quantity, ...overrides };
}

const insert = (lines: InvoiceLine[]) =>
  harness.unitOfWork.invoices.insert({ accountId, userId, currency: 'USD', totalCents: lines.reduce((sum, l) => sum + l.amountCents, 0), lines });

describe('invoiceRepository.insert', () => {
  it('when an invoice has 100 lines with hostile text and large amounts, then reading it back gives the same lines in order', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => line(i));
    const created = await insert(lines);
    expect(created!.lines).toEqual(lines);
    const read = await harness.unitOfWork.invoices.findOwned(userId, created!.id);
    expect(read!.lines).toEqual(lines);
  });

  it('when a line breaks a check (amount is not price × quantity), then nothing of the invoice\'s lines is written', async () => {
    const before = await harness.database.pool.query('SELECT count(*)::int AS n FROM invoice_lines');
    await expect(insert([line(1), line(2, { amountCents: 1 })])).rejects.toThrow();
    const after = await harness.database.pool.query('SELECT count(*)::int AS n FROM invoice_lines');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});

describe('the invoice_lines checks', () => {
  it('when a line has a negative unit price (which would lower the total of the others), then the database refuses the invoice', async () => {
    const lines = [line(4, { unitPriceCents: 1000, quantity: 1, amountCents: 1000 }), line(5, { unitPriceCents: -400, quantity: 1, amountCents: -400 })];
    const count = async () => (await harness.database.pool.query('SELECT count(*)::int AS n FROM invoices WHERE user_id = $1', [userId])).rows[0].n;
    const before = await count();
    const writing = harness.unitOfWork.transaction(({ invoices }) => invoices.insert({ accountId, userId, currency: 'USD', totalCents: 600, lines }));
    await expect(writing).rejects.toMatchObject({ cause: { constraint: 'invoice_lines_unit_price_check' } });
    expect(await count()).toBe(before);
  });

  it('when the check was added to a running platform, then it scanned none of the lines already there (NOT VALID), as a scan holds an exclusive lock on the table', async () => {
    const { rows } = await harness.database.pool.query("SELECT convalidated FROM pg_constraint WHERE conname = 'invoice_lines_unit_price_check'");
    expect(rows).toEqual([{ convalidated: false }]);
  });
});

describe('invoiceRepository.listOwned', () => {
  it('when several invoices share one created_at (one transaction), then paging two at a time by cursor serves each once, by id descending', async () => {
    const owner = randomUUID();
    const ownerAccount = (await harness.unitOfWork.accounts.open(owner)).id;
    // now() is the transaction's start: every invoice written in it gets the same created_at.
    const created = await harness.unitOfWork.transaction(async ({ invoices }) => {
      const written = [];
      for (let i = 0; i < 7; i++) written.push((await invoices.insert({ accountId: ownerAccount, userId: owner, currency: 'USD', totalCents: 0, lines: [line(i, { unitPriceCents: 0, amountCents: 0 })] }))!);
      return written;
    });
    expect(new Set(created.map((invoice) => invoice.createdAt.getTime())).size).toBe(1);
    const served: string[] = [];
    let after: { createdAt: string; id: string } | undefined;
    for (let page = 0; page < 10; page++) {
      const { items, hasMore } = await harness.unitOfWork.invoices.listOwned(owner, 2, after);
      served.push(...items.map((invoice) => invoice.id));
      const last = items.at(-1);
      if (!hasMore || !last) break;
      after = { createdAt: last.createdAt.toISOString(), id: last.id };
    }
    expect(served).toEqual(created.map((invoice) => invoice.id).sort().reverse());
  });
});
