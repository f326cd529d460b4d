import { AppError } from '../../kit/errors';
import type { Account } from './account';
import type { UnitOfWork } from './ports';

export interface AccountUseCases {
  /** `identity.user.registered`: idempotent, and never reopens an account a close already reached. */
  openAccount(userId: string): Promise<Account>;
  /** `identity.user.deleted`: idempotent, and works before the open arrived (it leaves a closed tombstone). */
  closeAccount(userId: string): Promise<Account>;
  /** The caller's own account; 404 before it exists. */
  getAccount(userId: string): Promise<Account>;
}

export interface AccountUseCaseDeps {
  readonly unitOfWork: UnitOfWork;
}

/**
 * Events can arrive twice and out of order; each use case is a single upsert whose outcome does not depend on
 * what came before, so any order of opens and closes ends closed once a close has arrived.
 */
export function accountUseCases({ unitOfWork: { accounts } }: AccountUseCaseDeps): AccountUseCases {
  return {
    openAccount: async (userId) => accounts.open(requireUserId(userId)),
    closeAccount: async (userId) => accounts.close(requireUserId(userId)),
    async getAccount(userId) {
      const account = await accounts.findByUser(userId);
      if (!account) throw AppError.notFound('You have no billing account yet.');
      return account;
    },
  };
}

function requireUserId(userId: string): string {
  if (typeof userId !== 'string' || userId.length === 0) throw AppError.badRequest('A user id is required.');
  return userId;
}
