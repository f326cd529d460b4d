/**
 * Billing's revocation list (services/kit/auth/revocations.ts): a closed account is one whose user was deleted
 * (`identity.user.deleted` closes it, in the inbox transaction), so every token of that user is refused with 401,
 * whenever it was issued. The accounts table is the record; no second one to keep in step.
 */
import { eq } from 'drizzle-orm';
import type { RevocationList } from '../../kit/auth/revocations';
import type { SqlExecutor } from '../../kit/db/sql-executor';
import { accounts } from './schema';

export function revocationListClosedAccounts(db: SqlExecutor): RevocationList {
  return {
    async revokedAt(userId) {
      const [row] = await db.select({ status: accounts.status }).from(accounts).where(eq(accounts.userId, userId));
      return row?.status === 'closed' ? Number.POSITIVE_INFINITY : undefined;
    },
  };
}
