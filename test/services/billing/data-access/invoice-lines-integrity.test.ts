/**
 * Invoice lines keep to their invoices without a foreign key (migration 0005): statement-level triggers refuse what
 * the key refused, once per statement instead of once per line. As the rows-only app role the services use, and as
 * the owner for TRUNCATE, which the app role may not run.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedForAppRole, type TestDatabase } from '../../../support/database';
import { BILLING_MIGRATIONS } from '../../../support/billing';

let testDb: TestDatabase & { readonly appUrl: string };
let app: pg.Pool;
let owner: pg.Pool;
let accountId: string;

beforeAll(async () => {
  testDb = await migratedForAppRole('billing_lines', BILLING_MIGRATIONS);
  [app, owner] = [new pg.Pool({ connectionString: testDb.appUrl }), new pg.Pool({ connectionString: testDb.url })];
  accountId = (await app.query("INSERT INTO accounts (user_id, status) VALUES ($1, 'active') RETURNING id", [randomUUID()])).rows[0].id;
});
afterAll(async () => {
  await Promise.all([app?.end(), owner?.end()]);
  await testDb?.drop();
});

const newInvoice = async () =>
  (await app.query("INSERT INTO invoices (account_id, user_id, currency, total_cents) VALUES ($1, 'u', 'USD', 200) RETURNING id", [accountId])).rows[0].id as string;
const addLines = (invoiceIds: readonly string[]) =>
  app.query(
    `INSERT INTO invoice_lines (invoice_id, position, product_id, sku, name, unit_price_cents, quantity, amount_cents)
     SELECT id::uuid, 0, gen_random_uuid(), 'SKU', 'Name', 100, 2, 200 FROM unnest($1::text[]) AS id`,
    [invoiceIds],
  );
const refusal = (work: Promise<unknown>) => work.then(() => undefined, (error: { code?: string; constraint?: string }) => ({ code: error.code, constraint: error.constraint }));
const REFUSED = { code: '23503', constraint: 'invoice_lines_invoice_exists' };

describe('invoice lines without their invoice', () => {
  it('when a statement writes lines of an invoice and of one that does not exist, then it is refused whole', async () => {
    const invoice = await newInvoice();
    expect(await refusal(addLines([invoice, randomUUID()]))).toEqual(REFUSED);
    expect((await app.query('SELECT count(*)::int AS n FROM invoice_lines WHERE invoice_id = $1', [invoice])).rows[0].n).toBe(0);
  });

  it('when lines name invoices that exist, then they are written, however many invoices one statement names', async () => {
    const invoices = [await newInvoice(), await newInvoice()];
    await addLines(invoices);
    expect((await app.query('SELECT count(*)::int AS n FROM invoice_lines WHERE invoice_id = ANY($1::uuid[])', [invoices])).rows[0].n).toBe(2);
  });

  it('when a line is moved to an invoice that does not exist, then the update is refused', async () => {
    const invoice = await newInvoice();
    await addLines([invoice]);
    expect(await refusal(app.query('UPDATE invoice_lines SET invoice_id = $1 WHERE invoice_id = $2', [randomUUID(), invoice]))).toEqual(REFUSED);
  });
});

describe('an invoice under its lines', () => {
  it('when an invoice with lines is deleted, then the delete is refused; one without lines may go', async () => {
    const [kept, bare] = [await newInvoice(), await newInvoice()];
    await addLines([kept]);
    expect(await refusal(app.query('DELETE FROM invoices WHERE id = ANY($1::uuid[])', [[kept, bare]]))).toEqual(REFUSED);
    await app.query('DELETE FROM invoices WHERE id = $1', [bare]);
    expect((await app.query('SELECT id FROM invoices WHERE id = ANY($1::uuid[])', [[kept, bare]])).rows).toEqual([{ id: kept }]);
  });

  it('when an invoice\'s id is changed, then the update is refused; other columns change as before', async () => {
    const invoice = await newInvoice();
    await addLines([invoice]);
    expect(await refusal(app.query('UPDATE invoices SET id = $1 WHERE id = $2', [randomUUID(), invoice]))).toEqual(REFUSED);
    await app.query("UPDATE invoices SET status = 'paid', paid_at = now(), id = id WHERE id = $1", [invoice]);
    expect((await app.query('SELECT status FROM invoices WHERE id = $1', [invoice])).rows).toEqual([{ status: 'paid' }]);
  });

  it('when the owner truncates invoices while lines remain, then it is refused; lines first, then invoices, is allowed', async () => {
    await addLines([await newInvoice()]);
    expect(await refusal(owner.query('TRUNCATE invoices'))).toEqual(REFUSED);
    await owner.query('BEGIN');
    await owner.query('TRUNCATE invoice_lines');
    await owner.query('TRUNCATE invoices');
    await owner.query('ROLLBACK');
  });
});

describe('what the checks cost', () => {
  it('when lines are written, then no check runs per line: invoice_lines has no foreign key and no row trigger', async () => {
    const { rows } = await owner.query(
      `SELECT tgname, tgisinternal, (tgtype & 1) = 1 AS per_row FROM pg_trigger WHERE tgrelid = 'invoice_lines'::regclass ORDER BY tgname`,
    );
    expect(rows).toEqual([
      { tgname: 'invoice_lines_have_invoices_on_insert', tgisinternal: false, per_row: false },
      { tgname: 'invoice_lines_have_invoices_on_update', tgisinternal: false, per_row: false },
    ]);
    expect((await owner.query("SELECT conname FROM pg_constraint WHERE conrelid = 'invoice_lines'::regclass AND contype = 'f'")).rows).toEqual([]);
  });
});
