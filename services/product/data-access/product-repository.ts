import { and, asc, eq, sql } from 'drizzle-orm';
import { violatedUniqueConstraint } from '../../kit/db/database';
import type { SqlExecutor } from '../../kit/db/sql-executor';
import { DuplicateSkuError, type ProductRepository } from '../domain/ports';
import type { Product } from '../domain/product';
import { products, type ProductRow } from './schema';

const toProduct = ({ id, sku, name, description, priceCents, currency, active, createdAt, updatedAt }: ProductRow): Product => ({
  id,
  sku,
  name,
  description,
  priceCents,
  currency,
  active,
  createdAt,
  updatedAt,
});

/** The transaction lock creates take turns on (pg_advisory_xact_lock's key; an arbitrary constant). */
const CREATE_LOCK = 0x70726f64; // "prod"

export function productRepository(db: SqlExecutor): ProductRepository {
  // The hot read path: a named prepared statement is parsed and planned once per connection.
  const byId = db
    .select()
    .from(products)
    .where(eq(products.id, sql.placeholder('id')))
    .prepare('product_by_id');

  // One round trip for a whole price lookup, whatever the number of ids: = ANY of a uuid[] parameter. Only the
  // columns a price needs: no description, and no timestamps to parse into Dates, for each of up to 500 rows.
  const pricesByIds = db
    .select({ id: products.id, sku: products.sku, name: products.name, priceCents: products.priceCents, currency: products.currency, active: products.active })
    .from(products)
    .where(sql`${products.id} = ANY(${sql.placeholder('ids')}::uuid[])`)
    .prepare('product_prices_by_ids');

  return {
    async insert(product) {
      try {
        const row = await db.transaction(async (tx) => {
          // The list pages by (createdAt, id), so a product must commit in that order: one taking its timestamp
          // and committing after a later one (a slow commit, a wait on the sku's index) would land behind a cursor
          // a client has already passed, and never be listed to it. Creates take turns, until each commits, and
          // each is stamped after the one before it (strictly later, so no tie leaves it to the random id). After
          // every product, withdrawn ones too: a client's cursor may name one that was active when it was listed,
          // and a stamp ahead of the clock (a burst) would put the next create behind it (products_created_at_idx).
          await tx.execute(sql`SELECT pg_advisory_xact_lock(${CREATE_LOCK})`);
          const [stamp] = await tx
            .select({ at: sql<Date>`greatest(clock_timestamp(), max(${products.createdAt}) + interval '1 millisecond')::timestamptz(3)`.mapWith(products.createdAt) })
            .from(products);
          const [inserted] = await tx.insert(products).values({ ...product, createdAt: stamp!.at, updatedAt: stamp!.at }).returning();
          return inserted!;
        });
        return toProduct(row);
      } catch (error) {
        if (violatedUniqueConstraint(error) === 'products_sku_unique') throw new DuplicateSkuError(product.sku);
        throw error;
      }
    },

    async findById(id) {
      const [row] = await byId.execute({ id });
      return row ? toProduct(row) : undefined;
    },

    async findPrices(ids) {
      if (ids.length === 0) return [];
      return pricesByIds.execute({ ids: [...ids] });
    },

    async listActive(limit, after) {
      const afterCondition = after
        ? sql`(${products.createdAt}, ${products.id}) > (${after.createdAt}::timestamptz, ${after.id}::uuid)`
        : undefined;
      const rows = await db
        .select()
        .from(products)
        .where(and(eq(products.active, true), afterCondition))
        .orderBy(asc(products.createdAt), asc(products.id))
        .limit(limit + 1);
      return { items: rows.slice(0, limit).map(toProduct), hasMore: rows.length > limit };
    },

    async update(id, changes) {
      const [row] = await db
        .update(products)
        // Never before createdAt, which a burst of creates can put a few milliseconds ahead of the clock (insert).
        .set({ ...changes, updatedAt: sql`greatest(now(), ${products.createdAt})` })
        .where(eq(products.id, id))
        .returning();
      return row ? toProduct(row) : undefined;
    },
  };
}
