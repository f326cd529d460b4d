import { eq, sql } from 'drizzle-orm';
import type { SqlExecutor } from '../../kit/db/sql-executor';
import type { Account } from '../domain/account';
import type { AccountRepository } from '../domain/ports';
import { accounts, type AccountRow } from './schema';

const toAccount = ({ id, userId, status, createdAt }: AccountRow): Account => ({ id, userId, status, createdAt });

export function accountRepository(db: SqlExecutor): AccountRepository {
  const findByUser = async (userId: string) => {
    const [row] = await db.select().from(accounts).where(eq(accounts.userId, userId));
    return row ? toAccount(row) : undefined;
  };

  return {
    findByUser,

    async findByUserForShare(userId) {
      const [row] = await db.select().from(accounts).where(eq(accounts.userId, userId)).for('share');
      return row ? toAccount(row) : undefined;
    },

    async open(userId) {
      // DO NOTHING on a closed tombstone too: a late open must not revive an account a close already reached.
      const [row] = await db.insert(accounts).values({ userId, status: 'active' }).onConflictDoNothing({ target: accounts.userId }).returning();
      if (row) return toAccount(row);
      const existing = await findByUser(userId);
      if (!existing) throw new Error(`account of ${userId} vanished between insert and read`);
      return existing;
    },

    async close(userId) {
      const [row] = await db
        .insert(accounts)
        .values({ userId, status: 'closed', closedAt: sql`now()` })
        .onConflictDoUpdate({
          target: accounts.userId,
          set: { status: 'closed', closedAt: sql`coalesce(${accounts.closedAt}, now())` },
        })
        .returning();
      return toAccount(row!);
    },
  };
}
