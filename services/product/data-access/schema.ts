import { sql } from 'drizzle-orm';
// Millisecond precision: timestamps round-trip through JavaScript Dates and cursors exactly.
import { boolean, char, check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { MAX_PRODUCT_NAME_LENGTH, MAX_SKU_LENGTH } from '../../contracts/product-fields';

// The kit's inbox (the identity.user.deleted events handled) and revocation record (users whose tokens the admin
// routes refuse) live in Product's database; re-exported so drizzle-kit generates them into its migrations.
export { revokedSubjects } from '../../kit/auth/revocations';
export { inbox } from '../../kit/inbox/schema';

export const products = pgTable(
  'products',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sku: text('sku').notNull().unique('products_sku_unique'),
    name: text('name').notNull(),
    description: text('description'),
    priceCents: integer('price_cents').notNull(),
    currency: char('currency', { length: 3 }).notNull().default('USD'),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [
    // Serves the public list: active products in keyset order, without a sort.
    index('products_active_page_idx').on(table.createdAt, table.id).where(sql`${table.active}`),
    // Serves a create's stamp: after the newest product, active or withdrawn (product-repository.ts, insert).
    index('products_created_at_idx').on(table.createdAt),
    // The contract's lengths, held for rows written any way: a shared GetPrices answer of 500 prices stays under
    // Billing's 1 MiB read limit only if no name is longer (one row written by hand would fail every invoice that
    // shares its call). In code points, never more than the API's UTF-16 units, so the API's limits decide.
    check('products_sku_length_check', sql`char_length(${table.sku}) BETWEEN 1 AND ${sql.raw(String(MAX_SKU_LENGTH))}`),
    check('products_name_length_check', sql`char_length(${table.name}) <= ${sql.raw(String(MAX_PRODUCT_NAME_LENGTH))}`),
  ],
);

export type ProductRow = typeof products.$inferSelect;
