/** What Product does when a user is deleted: its admin routes refuse the user's tokens from then on. */
import type { UnitOfWork } from './ports';

export interface UserDeletionUseCases {
  /** `identity.user.deleted`: idempotent; a later delivery moves the revocation forward, never back. */
  userDeleted(userId: string): Promise<void>;
}

export function userDeletionUseCases({ unitOfWork }: { readonly unitOfWork: UnitOfWork }): UserDeletionUseCases {
  return {
    userDeleted: (userId) => unitOfWork.revocations.revokeAll(userId),
  };
}
