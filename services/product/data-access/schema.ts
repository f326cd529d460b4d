import { sql } from 'drizzle-orm';
// Millisecond precision: timestamps round-trip through JavaScript Dates and cursors exactly.
import { boolean, char, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

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
  ],
);

export type ProductRow = typeof products.$inferSelect;
