import { sql } from 'drizzle-orm';
// Millisecond precision: timestamps round-trip through JavaScript Dates and cursors exactly.
import { bigint, char, check, index, integer, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

// The kit's outbox (events Billing emits) and inbox (events it has handled) live in Billing's database;
// re-exported so drizzle-kit generates them into Billing's own migrations.
export { inbox } from '../../kit/inbox/schema';
export { outbox } from '../../kit/outbox/schema';

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: text('user_id').notNull().unique('accounts_user_id_unique'),
    status: text('status', { enum: ['active', 'closed'] }).notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    closedAt: at('closed_at'),
  },
  (table) => [check('accounts_status_check', sql`${table.status} IN ('active', 'closed')`)],
);

export const invoices = pgTable(
  'invoices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id').notNull().references(() => accounts.id),
    userId: text('user_id').notNull(),
    status: text('status', { enum: ['open', 'paid'] }).notNull().default('open'),
    currency: char('currency', { length: 3 }).notNull(),
    // bigint: 1000 × a large unit price × 100 lines does not fit PostgreSQL's integer.
    totalCents: bigint('total_cents', { mode: 'number' }).notNull(),
    /** The caller's Idempotency-Key, unique per user; NULLs (no key) never collide. */
    idempotencyKey: text('idempotency_key'),
    requestFingerprint: text('request_fingerprint'),
    createdAt: at('created_at').notNull().defaultNow(),
    paidAt: at('paid_at'),
  },
  (table) => [
    unique('invoices_user_idempotency_key_unique').on(table.userId, table.idempotencyKey),
    // Serves the owner's list, newest first, in keyset order without a sort.
    index('invoices_user_page_idx').on(table.userId, table.createdAt.desc(), table.id.desc()),
    check('invoices_status_check', sql`${table.status} IN ('open', 'paid')`),
    check('invoices_paid_at_check', sql`(${table.status} = 'paid') = (${table.paidAt} IS NOT NULL)`),
    check('invoices_total_check', sql`${table.totalCents} >= 0`),
  ],
);

export const invoiceLines = pgTable(
  'invoice_lines',
  {
    // No foreign key: its check ran once per line (a lookup and a row lock for each of up to 100 lines; migration
    // 0005 says what it cost). Statement-level triggers hold the same rule at one check per
    // statement: no line without its invoice, no invoice deleted or renumbered from under its lines (migration 0005).
    invoiceId: uuid('invoice_id').notNull(),
    position: integer('position').notNull(),
    productId: uuid('product_id').notNull(),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    unitPriceCents: bigint('unit_price_cents', { mode: 'number' }).notNull(),
    quantity: integer('quantity').notNull(),
    amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
  },
  (table) => [
    primaryKey({ name: 'invoice_lines_pkey', columns: [table.invoiceId, table.position] }),
    check('invoice_lines_quantity_check', sql`${table.quantity} BETWEEN 1 AND 1000`),
    // A negative price would lower the total of the other lines; with quantity ≥ 1 it also keeps amounts ≥ 0.
    check('invoice_lines_unit_price_check', sql`${table.unitPriceCents} >= 0`),
    check('invoice_lines_amount_check', sql`${table.amountCents} = ${table.unitPriceCents} * ${table.quantity}`),
  ],
);

export type AccountRow = typeof accounts.$inferSelect;
export type InvoiceRow = typeof invoices.$inferSelect;
export type InvoiceLineRow = typeof invoiceLines.$inferSelect;
