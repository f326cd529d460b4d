// Millisecond precision: timestamps round-trip through JavaScript Dates exactly.
import { sql } from 'drizzle-orm';
import { bigint, char, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

// The kit's outbox (events Identity emits) and inbox (events it has handled) live in Identity's database;
// re-exported so drizzle-kit generates them into Identity's own migrations.
export { inbox } from '../../kit/inbox/schema';
export { outbox } from '../../kit/outbox/schema';
// Users whose tokens every Identity route refuses (services/kit/auth/revocations.ts).
export { revokedSubjects } from '../../kit/auth/revocations';

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const profiles = pgTable('profiles', {
  /** The Cognito `sub`. */
  id: uuid('id').primaryKey(),
  /** Normalised (trimmed, lower-case) before it gets here. */
  email: text('email').notNull().unique('profiles_email_unique'),
  name: text('name').notNull(),
  paidInvoiceCount: integer('paid_invoice_count').notNull().default(0),
  // bigint: a lifetime of spending outgrows integer's 21 million dollars. Read as a JavaScript bigint, not a
  // number, so a sum past 2^53 cents stays exact (the API answers it as a string then; see exact-integer.ts).
  // The default is the number 0 for drizzle-kit, which cannot serialise a bigint (0n) into its snapshot; the
  // column's SQL default is the same 0 either way, and inserts leave it to the database.
  lifetimeSpendCents: bigint('lifetime_spend_cents', { mode: 'bigint' })
    .notNull()
    .default(0 as unknown as bigint),
  createdAt: at('created_at').notNull().defaultNow(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

/** One row per paid invoice counted, so a redelivered or re-sent event cannot count twice. */
export const paidInvoices = pgTable(
  'paid_invoices',
  {
    invoiceId: uuid('invoice_id').primaryKey(),
    // A deleted profile takes its ledger with it.
    userId: uuid('user_id')
      .notNull()
      .references(() => profiles.id, { onDelete: 'cascade' }),
    totalCents: bigint('total_cents', { mode: 'number' }).notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    recordedAt: at('recorded_at').notNull().defaultNow(),
  },
  // The cascade finds a deleted user's rows through it.
  (table) => [index('paid_invoices_user_idx').on(table.userId)],
);

/** See domain/signup-claim.ts: a signup's lease on an email, and what an interrupted attempt left in Cognito. */
export const signupClaims = pgTable('signup_claims', {
  email: text('email').primaryKey(),
  /** A signup holds the email until then; an expired lease is free to take. */
  leaseUntil: at('lease_until').notNull().default(sql`now()`),
  orphanSince: at('orphan_since'),
  orphanSub: uuid('orphan_sub'),
  /**
   * Fences the signup holding the lease: claim() writes a fresh one, and that signup's later writes count only
   * while the row still carries it. Nullable: rows written by the release before it have none.
   */
  leaseToken: uuid('lease_token'),
});

export type ProfileRow = typeof profiles.$inferSelect;
