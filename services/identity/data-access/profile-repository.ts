import { eq, sql } from 'drizzle-orm';
import { violatedUniqueConstraint } from '../../kit/db/database';
import type { SqlExecutor } from '../../kit/db/sql-executor';
import type { PaidInvoice, PaidInvoiceOutcome } from '../domain/paid-invoice';
import { DuplicateProfileError, type ProfileRepository } from '../domain/ports';
import type { Profile } from '../domain/profile';
import { paidInvoices, profiles, type ProfileRow } from './schema';

const toProfile = ({ id, email, name, paidInvoiceCount, lifetimeSpendCents, createdAt, updatedAt }: ProfileRow): Profile => ({
  id,
  email,
  name,
  paidInvoiceCount,
  lifetimeSpendCents,
  createdAt,
  updatedAt,
});

export function profileRepository(db: SqlExecutor): ProfileRepository {
  return {
    async findById(id) {
      const [row] = await db.select().from(profiles).where(eq(profiles.id, id));
      return row ? toProfile(row) : undefined;
    },

    async findByEmail(email) {
      const [row] = await db.select().from(profiles).where(eq(profiles.email, email));
      return row ? toProfile(row) : undefined;
    },

    async rename(id, name) {
      const [row] = await db.update(profiles).set({ name, updatedAt: sql`now()` }).where(eq(profiles.id, id)).returning();
      return row ? toProfile(row) : undefined;
    },

    async insert(profile) {
      try {
        const [row] = await db.insert(profiles).values(profile).returning();
        return toProfile(row!);
      } catch (error) {
        if (violatedUniqueConstraint(error) !== undefined) throw new DuplicateProfileError(profile.email);
        throw error;
      }
    },

    async delete(id) {
      const [row] = await db.delete(profiles).where(eq(profiles.id, id)).returning();
      return row ? toProfile(row) : undefined;
    },

    addPaidInvoice: (invoice, spendCents) => addPaidInvoice(db, invoice, spendCents),
  };
}

/** The largest values of the counters' columns: PostgreSQL's integer and bigint. */
const INTEGER_MAX = 2_147_483_647;
const BIGINT_MAX = '9223372036854775807';

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
  // Saturating sums: past a column's maximum PostgreSQL fails the statement ("out of range"), and every redelivery
  // would fail alike until the event went to the dead-letter queue, its invoice neither counted nor in the ledger.
  // A counter pinned at its maximum (some 92 quadrillion dollars; 2^31 − 1 invoices) is the truer answer.
  await tx
    .update(profiles)
    .set({
      paidInvoiceCount: sql`least(${profiles.paidInvoiceCount}::bigint + 1, ${INTEGER_MAX})::integer`,
      lifetimeSpendCents: sql`least(${profiles.lifetimeSpendCents}::numeric + ${spendCents}, ${BIGINT_MAX}::numeric)::bigint`,
    })
    .where(eq(profiles.id, invoice.userId));
  return 'counted';
}
