import { AppError } from '../../platform/errors';
import {
  DEFAULT_CURRENCY,
  DuplicateSkuError,
  type NewProduct,
  type Product,
  type ProductChanges,
  type ProductCursor,
  type ProductPage,
  type ProductRepository,
} from './product';

export interface ProductUseCases {
  create(input: NewProduct): Promise<Product>;
  get(id: string): Promise<Product>;
  listActive(limit: number, after: ProductCursor | undefined): Promise<ProductPage>;
  update(id: string, changes: ProductChanges): Promise<Product>;
  deactivate(id: string): Promise<void>;
}

export function productUseCases(repository: ProductRepository): ProductUseCases {
  const getOrFail = async (id: string) => {
    const product = await repository.findById(id);
    if (!product) throw AppError.notFound(`Product ${id} does not exist.`);
    return product;
  };
  return {
    async create(input) {
      try {
        return await repository.insert({ ...input, currency: input.currency ?? DEFAULT_CURRENCY });
      } catch (error) {
        // The unique index decides, not a pre-check: two concurrent creates cannot both win.
        if (error instanceof DuplicateSkuError) throw AppError.conflict(`A product with sku "${error.sku}" exists.`, 'sku-taken');
        throw error;
      }
    },
    get: getOrFail,
    listActive: (limit, after) => repository.listActive(limit, after),
    async update(id, changes) {
      const updated = await repository.update(id, changes);
      if (!updated) throw AppError.notFound(`Product ${id} does not exist.`);
      return updated;
    },
    async deactivate(id) {
      const updated = await repository.update(id, { active: false });
      if (!updated) throw AppError.notFound(`Product ${id} does not exist.`);
    },
  };
}
