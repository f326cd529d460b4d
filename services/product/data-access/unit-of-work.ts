import { revokeSubject } from '../../kit/auth/revocations';
import type { SqlExecutor } from '../../kit/db/sql-executor';
import type { Repositories, UnitOfWork } from '../domain/ports';
import { productRepository } from './product-repository';

const repositoriesOn = (db: SqlExecutor): Repositories => ({
  products: productRepository(db),
  revocations: {
    revokeAll: async (userId) => {
      await revokeSubject(db, userId);
    },
  },
});

/**
 * The use cases' storage on a database or on a caller's transaction. On a transaction, `transaction` becomes a
 * savepoint inside it, and everything commits together.
 */
export function productUnitOfWork(db: SqlExecutor): UnitOfWork {
  return {
    ...repositoriesOn(db),
    transaction: (work) => db.transaction((tx) => work(repositoriesOn(tx))),
  };
}
