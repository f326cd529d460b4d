/** The signup claim rows (domain/signup-claim.ts), in SQL. */
import { and, eq, lte, sql } from 'drizzle-orm';
import type { SqlExecutor } from '../../kit/db/sql-executor';
import type { SignupClaimRepository } from '../domain/ports';
import { signupClaims } from './schema';

export function signupClaimRepository(db: SqlExecutor): SignupClaimRepository {
  return {
    /** One statement, so two signups racing for an email cannot both take the lease. */
    async claim(email, leaseMs) {
      const leaseUntil = sql`now() + ${leaseMs} * interval '1 millisecond'`;
      const [row] = await db
        .insert(signupClaims)
        .values({ email, leaseUntil })
        .onConflictDoUpdate({
          target: signupClaims.email,
          set: { leaseUntil },
          setWhere: lte(signupClaims.leaseUntil, sql`now()`),
        })
        .returning({ since: signupClaims.orphanSince, sub: signupClaims.orphanSub });
      if (!row) return { held: false };
      return { held: true, orphan: row.since || row.sub ? row : undefined };
    },

    async markAttempt(email) {
      await db.update(signupClaims).set({ orphanSince: sql`now()`, orphanSub: null }).where(eq(signupClaims.email, email));
    },

    async noteCreatedUser(email, sub) {
      await db.update(signupClaims).set({ orphanSub: sub }).where(eq(signupClaims.email, email));
    },

    async endLease(email) {
      await db.update(signupClaims).set({ leaseUntil: sql`now()` }).where(eq(signupClaims.email, email));
    },

    async release(email) {
      await db.delete(signupClaims).where(eq(signupClaims.email, email));
    },

    /** An expired lease at once: the row only guards the leftover, it blocks no signup. */
    async rememberDeletedUser(email, sub) {
      await db
        .insert(signupClaims)
        .values({ email, leaseUntil: sql`now()`, orphanSince: null, orphanSub: sub })
        .onConflictDoUpdate({ target: signupClaims.email, set: { orphanSince: null, orphanSub: sub } });
    },

    async forgetDeletedUser(sub) {
      await db.delete(signupClaims).where(and(eq(signupClaims.orphanSub, sub), lte(signupClaims.leaseUntil, sql`now()`)));
    },

    async findClaim(email) {
      const [row] = await db
        .select({ leaseHeld: sql<boolean>`${signupClaims.leaseUntil} > now()`, since: signupClaims.orphanSince, sub: signupClaims.orphanSub })
        .from(signupClaims)
        .where(eq(signupClaims.email, email));
      return row && { leaseHeld: row.leaseHeld, orphan: { since: row.since, sub: row.sub } };
    },
  };
}
