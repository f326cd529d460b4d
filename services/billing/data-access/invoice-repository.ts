import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { SqlExecutor } from '../../kit/db/sql-executor';
import type { Invoice, InvoiceLine } from '../domain/invoice';
import type { InvoiceRepository } from '../domain/ports';
import { invoiceLines, invoices, type InvoiceLineRow, type InvoiceRow } from './schema';

const toLine = ({ productId, sku, name, unitPriceCents, quantity, amountCents }: InvoiceLineRow): InvoiceLine => ({
  productId,
  sku,
  name,
  unitPriceCents,
  quantity,
  amountCents,
});

const toInvoice = (row: InvoiceRow, lines: readonly InvoiceLine[]): Invoice => ({
  id: row.id,
  accountId: row.accountId,
  userId: row.userId,
  status: row.status,
  currency: row.currency,
  totalCents: row.totalCents,
  lines,
  createdAt: row.createdAt,
  paidAt: row.paidAt,
});

/**
 * All lines of an invoice in one statement with one JSON parameter, whatever their number. drizzle's multi-row
 * VALUES (eight parameters a line) spent most of a 100-line invoice's CPU building the query; seven array
 * parameters (unnest) cost Billing more CPU than one JSON text, and json_to_recordset cost PostgreSQL about what
 * unnest did, where json_array_elements with ->> cost it more (timed by hand with 100 lines; the invoice bench
 * measures the whole). The rows are not read back: the database stores them as given.
 */
async function insertLines(db: SqlExecutor, invoiceId: string, lines: readonly InvoiceLine[]): Promise<void> {
  const rows = JSON.stringify(lines.map((line, position) => ({ position, ...line })));
  await db.execute(sql`
    INSERT INTO ${invoiceLines} (invoice_id, position, product_id, sku, name, unit_price_cents, quantity, amount_cents)
    SELECT ${invoiceId}::uuid, line.position, line."productId", line.sku, line.name, line."unitPriceCents", line.quantity,
      line."amountCents"
    FROM json_to_recordset(${rows}::json) AS line(position integer, "productId" uuid, sku text, name text,
      "unitPriceCents" bigint, quantity integer, "amountCents" bigint)`);
}

export function invoiceRepository(db: SqlExecutor): InvoiceRepository {
  /** Lines of several invoices in one query, in their order. */
  const withLines = async (rows: readonly InvoiceRow[]): Promise<Invoice[]> => {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const lineRows = await db.select().from(invoiceLines).where(inArray(invoiceLines.invoiceId, ids)).orderBy(asc(invoiceLines.position));
    const byInvoice = new Map<string, InvoiceLineRow[]>();
    for (const line of lineRows) {
      const group = byInvoice.get(line.invoiceId);
      if (group) group.push(line);
      else byInvoice.set(line.invoiceId, [line]);
    }
    return rows.map((row) => toInvoice(row, (byInvoice.get(row.id) ?? []).map(toLine)));
  };
  const one = async (rows: readonly InvoiceRow[]) => (await withLines(rows.slice(0, 1)))[0];

  return {
    async insert({ lines, ...invoice }, claim) {
      const [row] = await db
        .insert(invoices)
        .values({ ...invoice, idempotencyKey: claim?.key ?? null, requestFingerprint: claim?.fingerprint ?? null })
        .onConflictDoNothing({ target: [invoices.userId, invoices.idempotencyKey] })
        .returning();
      if (!row) return undefined;
      await insertLines(db, row.id, lines);
      return toInvoice(row, lines);
    },

    async findByIdempotencyKey(userId, key) {
      const rows = await db.select().from(invoices).where(and(eq(invoices.userId, userId), eq(invoices.idempotencyKey, key)));
      const invoice = await one(rows);
      return invoice && { invoice, fingerprint: rows[0]!.requestFingerprint ?? '' };
    },

    async findOwned(userId, id) {
      return one(await db.select().from(invoices).where(and(eq(invoices.id, id), eq(invoices.userId, userId))));
    },

    async listOwned(userId, limit, after) {
      const before = after
        ? sql`(${invoices.createdAt}, ${invoices.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`
        : undefined;
      const rows = await db
        .select()
        .from(invoices)
        .where(and(eq(invoices.userId, userId), before))
        .orderBy(desc(invoices.createdAt), desc(invoices.id))
        .limit(limit + 1);
      return { items: await withLines(rows.slice(0, limit)), hasMore: rows.length > limit };
    },

    async markPaid(userId, id) {
      const rows = await db
        .update(invoices)
        .set({ status: 'paid', paidAt: sql`now()` })
        .where(and(eq(invoices.id, id), eq(invoices.userId, userId), eq(invoices.status, 'open')))
        .returning();
      return one(rows);
    },
  };
}
