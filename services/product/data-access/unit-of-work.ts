import type { SqlExecutor } from '../../kit/db/sql-executor';
import type { UnitOfWork } from '../domain/ports';
import { productRepository } from './product-repository';

/**
 * The use cases' storage on a database or on a caller's transaction. On a transaction, `transaction` becomes a
 * savepoint inside it, and everything commits together.
 */
export function productUnitOfWork(db: SqlExecutor): UnitOfWork {
  return {
    products: productRepository(db),
    transaction: (work) => db.transaction((tx) => work({ products: productRepository(tx) })),
  };
}
