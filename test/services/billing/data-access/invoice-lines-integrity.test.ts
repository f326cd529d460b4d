/**
 * Invoice lines keep to their invoices without a foreign key (migration 0005): statement-level triggers refuse what
 * the key refused, once per statement instead of once per line. As the rows-only app role the services use, and as
 * the owner for TRUNCATE, which the app role may not run.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../../../services/kit/db/database';
import { migrateWithLock } from '../../../../services/kit/db/migrate';
import { BILLING_MIGRATIONS } from '../../../support/billing';
import { migratedForAppRole, type TestDatabase } from '../../../support/database';
import { testLogger } from '../../../support/silent-logger';

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

  it('when the owner truncates invoices while lines remain, then it is refused, with them too; lines first, then invoices, goes through', async () => {
    await addLines([await newInvoice()]);
    const session = await owner.connect();
    try {
      for (const refused of ['TRUNCATE invoices', 'TRUNCATE invoice_lines, invoices', 'TRUNCATE accounts CASCADE']) {
        expect(await refusal(session.query(refused))).toEqual(REFUSED);
      }
      await session.query('BEGIN');
      await session.query('TRUNCATE invoice_lines');
      await session.query('TRUNCATE invoices');
      expect((await session.query('SELECT count(*)::int AS n FROM invoices')).rows[0].n).toBe(0);
      await session.query('ROLLBACK');
    } finally {
      session.release();
    }
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

/** Billing's migrations as the release before 0005 shipped them (its journal ends at 0004). */
function previousRelease(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'billing-0004-'));
  cpSync(BILLING_MIGRATIONS, folder, { recursive: true });
  const journalFile = path.join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: Array<{ tag: string }> };
  journal.entries = journal.entries.filter((entry) => entry.tag < '0005');
  writeFileSync(journalFile, JSON.stringify(journal));
  return folder;
}

describe('migration 0005 on a running platform', () => {
  it('when it starts while an invoice is being written (the invoice in, its lines not yet), then both finish: neither deadlocks', async () => {
    const folder = previousRelease();
    const running = await migratedForAppRole('billing_0005_live', folder);
    const [live, migrator] = [new pg.Pool({ connectionString: running.appUrl }), createDatabase({ connectionString: running.url, schema: {}, logger: testLogger })];
    const writer = await live.connect();
    try {
      const account = (await writer.query("INSERT INTO accounts (user_id, status) VALUES ('u', 'active') RETURNING id")).rows[0].id as string;
      await writer.query('BEGIN');
      const invoice = (await writer.query("INSERT INTO invoices (account_id, user_id, currency, total_cents) VALUES ($1, 'u', 'USD', 200) RETURNING id", [account])).rows[0].id as string;
      const migrating = migrateWithLock(migrator.pool, BILLING_MIGRATIONS, 'billing', testLogger).then(() => 'migrated', (error: Error) => error.message);
      // Until the migration waits for a lock the writer holds: the moment an older order of locks deadlocked.
      for (let waited = 0; waited < 200; waited++) {
        const { rows } = await live.query("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'invoices'::regclass");
        if (rows[0].n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const lines = writer.query(
        "INSERT INTO invoice_lines (invoice_id, position, product_id, sku, name, unit_price_cents, quantity, amount_cents) VALUES ($1, 0, gen_random_uuid(), 'S', 'N', 100, 2, 200)",
        [invoice],
      );
      expect(await lines.then(() => 'written', (error: Error) => error.message)).toBe('written');
      await writer.query('COMMIT');
      expect(await migrating).toBe('migrated');
      expect((await live.query('SELECT count(*)::int AS n FROM invoice_lines')).rows[0].n).toBe(1);
    } finally {
      writer.release();
      await Promise.all([live.end(), migrator.close()]);
      await running.drop();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
