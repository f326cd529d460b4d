/** The signup claim rows (domain/signup-claim.ts), in SQL. */
import { randomUUID } from 'node:crypto';
import { and, eq, lte, sql } from 'drizzle-orm';
import type { SqlExecutor } from '../../kit/db/sql-executor';
import type { SignupClaimRepository } from '../domain/ports';
import { LeaseLostError, type SignupLease } from '../domain/signup-claim';
import { signupClaims } from './schema';

/** The row as long as it carries this lease's token: the fence of every write a signup makes under its lease. */
const stillHeld = ({ email, token }: SignupLease) => and(eq(signupClaims.email, email), eq(signupClaims.leaseToken, token));

/** Each fenced write is one statement whose WHERE is the fence, so no takeover can slip between check and write. */
const fenced = async (lease: SignupLease, write: Promise<unknown[]>) => {
  if ((await write).length === 0) throw new LeaseLostError(lease.email);
};

export function signupClaimRepository(db: SqlExecutor): SignupClaimRepository {
  return {
    /** One statement, so two signups racing for an email cannot both take the lease. */
    async claim(email, leaseMs) {
      const leaseUntil = sql`now() + ${leaseMs} * interval '1 millisecond'`;
      const leaseToken = randomUUID();
      const [row] = await db
        .insert(signupClaims)
        .values({ email, leaseUntil, leaseToken })
        .onConflictDoUpdate({
          target: signupClaims.email,
          set: { leaseUntil, leaseToken },
          setWhere: lte(signupClaims.leaseUntil, sql`now()`),
        })
        .returning({ since: signupClaims.orphanSince, sub: signupClaims.orphanSub });
      if (!row) return { held: false };
      return { held: true, lease: { email, token: leaseToken }, orphan: row.since || row.sub ? row : undefined };
    },

    /**
     * A sub noted after the claim is a deletion's (rememberDeletedUser, unfenced), made while this signup ran: it
     * stays, or a deleted user whose directory step then failed could sign in to a profile made again.
     */
    async markAttempt(lease, handledSub) {
      const sub = signupClaims.orphanSub;
      const set = { orphanSince: sql`now()`, orphanSub: sql`CASE WHEN ${sub} IS NOT DISTINCT FROM ${handledSub}::uuid THEN NULL ELSE ${sub} END` };
      await fenced(lease, db.update(signupClaims).set(set).where(stillHeld(lease)).returning({ email: signupClaims.email }));
    },

    async noteCreatedUser(lease, sub) {
      await fenced(lease, db.update(signupClaims).set({ orphanSub: sub }).where(stillHeld(lease)).returning({ email: signupClaims.email }));
    },

    async endLease(lease) {
      const set = { leaseUntil: sql`now()` };
      await fenced(lease, db.update(signupClaims).set(set).where(stillHeld(lease)).returning({ email: signupClaims.email }));
    },

    /** Inside the profile's transaction the deleted row stays locked until the commit, so a takeover waits for it. */
    async release(lease) {
      await fenced(lease, db.delete(signupClaims).where(stillHeld(lease)).returning({ email: signupClaims.email }));
    },

    /**
     * An expired lease at once: the row only guards the leftover, it blocks no signup. Not fenced: a deletion holds
     * no lease, and its note must be kept even while a signup holds the email's, since the `sub` is what stops the
     * deleted user's profile from being made again (account-use-cases.ts) and what lets a signup remove the user.
     * The signup's `orphan_since` it replaces no longer decides anything once a `sub` is noted (isOurOrphan), and
     * that signup cannot make a user of its own before the deleted one is gone from the directory (one per email).
     * A signup that took its lease before this note keeps it when it marks its attempt (markAttempt).
     */
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
