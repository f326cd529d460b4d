import { eq, sql } from 'drizzle-orm';
import { violatedUniqueConstraint } from '../../platform/db/database';
import type { SqlExecutor } from './sql-executor';
import type { PaidInvoice, PaidInvoiceOutcome } from '../domain/invoice-paid';
import type { Profile } from '../domain/profile';
import { DuplicateProfileError, type IdentityStore, type IdentityTransaction } from '../domain/store';
import { claimsTable } from './claims';
import { outboxEvents } from './outbox-events';
import { paidInvoices, profiles, type ProfileRow } from './schema';

const toProfile = (row: ProfileRow): Profile => ({ ...row });

/**
 * The store on a drizzle database, or on a transaction someone else opened (the inbox's): `transaction()` then
 * nests as a savepoint, and everything still commits or rolls back with the outer transaction.
 */
export function identityStore(db: SqlExecutor): IdentityStore {
  const claims = claimsTable(db);
  return {
    async findProfile(id) {
      const [row] = await db.select().from(profiles).where(eq(profiles.id, id));
      return row ? toProfile(row) : undefined;
    },

    async findProfileByEmail(email) {
      const [row] = await db.select().from(profiles).where(eq(profiles.email, email));
      return row ? toProfile(row) : undefined;
    },

    async rename(id, name) {
      const [row] = await db.update(profiles).set({ name, updatedAt: sql`now()` }).where(eq(profiles.id, id)).returning();
      return row ? toProfile(row) : undefined;
    },

    claimEmail: claims.claim,
    markAttempt: claims.markAttempt,
    noteCreatedUser: claims.noteCreatedUser,
    endLease: claims.endLease,
    releaseClaim: claims.release,
    forgetDeletedUser: claims.forgetDeletedUser,

    transaction: (work) => db.transaction((tx) => work(transactionOn(tx))),
  };
}

function transactionOn(tx: SqlExecutor): IdentityTransaction {
  const claims = claimsTable(tx);
  return {
    events: outboxEvents(tx),

    async insertProfile(profile) {
      try {
        const [row] = await tx.insert(profiles).values(profile).returning();
        return toProfile(row!);
      } catch (error) {
        if (violatedUniqueConstraint(error) !== undefined) throw new DuplicateProfileError(profile.email);
        throw error;
      }
    },

    async deleteProfile(id) {
      const [row] = await tx.delete(profiles).where(eq(profiles.id, id)).returning();
      return row ? toProfile(row) : undefined;
    },

    releaseClaim: claims.release,
    rememberDeletedUser: claims.rememberDeletedUser,
    addPaidInvoice: (invoice, spendCents) => addPaidInvoice(tx, invoice, spendCents),
  };
}

async function addPaidInvoice(tx: SqlExecutor, invoice: PaidInvoice, spendCents: number): Promise<PaidInvoiceOutcome> {
  // The row lock orders this against a concurrent delete of the profile and other invoices of the same user.
  const [owner] = await tx.select({ id: profiles.id }).from(profiles).where(eq(profiles.id, invoice.userId)).for('update');
  if (!owner) return 'unknown-user';
  const [recorded] = await tx
    .insert(paidInvoices)
    .values({ invoiceId: invoice.invoiceId, userId: invoice.userId, totalCents: invoice.totalCents, currency: invoice.currency })
    .onConflictDoNothing({ target: paidInvoices.invoiceId })
    .returning({ invoiceId: paidInvoices.invoiceId });
  if (!recorded) return 'duplicate';
  await tx
    .update(profiles)
    .set({
      paidInvoiceCount: sql`${profiles.paidInvoiceCount} + 1`,
      lifetimeSpendCents: sql`${profiles.lifetimeSpendCents} + ${spendCents}::bigint`,
    })
    .where(eq(profiles.id, invoice.userId));
  return 'counted';
}
