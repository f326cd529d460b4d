import { AppError } from '../../kit/errors';
import { DuplicateSkuError, type UnitOfWork } from './ports';
import { DEFAULT_CURRENCY, isProductId, MAX_PRICES_PER_LOOKUP, type NewProduct, type PriceLookup, type Product, type ProductChanges, type ProductCursor, type ProductPage } from './product';

export interface ProductUseCases {
  create(input: NewProduct): Promise<Product>;
  get(id: string): Promise<Product>;
  /** Up to MAX_PRICES_PER_LOOKUP ids in one query; more answer 400 (the gRPC entry point maps it). */
  lookUpPrices(ids: readonly string[]): Promise<PriceLookup>;
  listActive(limit: number, after: ProductCursor | undefined): Promise<ProductPage>;
  update(id: string, changes: ProductChanges): Promise<Product>;
  deactivate(id: string): Promise<void>;
}

export interface ProductUseCaseDeps {
  readonly unitOfWork: UnitOfWork;
}

const productNotFound = (id: string) => AppError.notFound(`Product ${id} does not exist.`);

export function productUseCases({ unitOfWork: { products } }: ProductUseCaseDeps): ProductUseCases {
  const getOrFail = async (id: string) => {
    const product = await products.findById(id);
    if (!product) throw productNotFound(id);
    return product;
  };
  return {
    async create(input) {
      try {
        return await products.insert({ ...input, currency: input.currency ?? DEFAULT_CURRENCY });
      } catch (error) {
        // The unique index decides, not a pre-check: two concurrent creates cannot both win.
        if (error instanceof DuplicateSkuError) throw AppError.conflict(`A product with sku "${error.sku}" exists.`, 'sku-taken');
        throw error;
      }
    },
    get: getOrFail,
    async lookUpPrices(ids) {
      const distinct = [...new Set(ids)];
      if (distinct.length > MAX_PRICES_PER_LOOKUP) {
        throw AppError.badRequest(`At most ${MAX_PRICES_PER_LOOKUP} distinct product ids per lookup; got ${distinct.length}.`, 'too-many-ids');
      }
      // Case matters to neither PostgreSQL nor the REST API: an upper-case id finds its product under its own spelling.
      const found = await products.findPrices(distinct.filter(isProductId));
      const known = new Set(found.map((product) => product.id.toLowerCase()));
      return { found, missing: distinct.filter((id) => !known.has(id.toLowerCase())) };
    },
    listActive: (limit, after) => products.listActive(limit, after),
    async update(id, changes) {
      const updated = await products.update(id, changes);
      if (!updated) throw productNotFound(id);
      return updated;
    },
    async deactivate(id) {
      const updated = await products.update(id, { active: false });
      if (!updated) throw productNotFound(id);
    },
  };
}
