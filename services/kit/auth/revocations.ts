/**
 * Token revocation that a service checks on its own data. API Gateway's Cognito authorizer (and any verifier of a
 * signed token) accepts an access token until it expires; a service refuses it once its own database says the
 * subject's tokens were revoked. Each service keeps its own record (its database, its event consumer), so no
 * service reads another's data: Identity writes it in the deletion's transaction, the others from the
 * `identity.user.deleted` event (docs/identity.md, "Deletion ends access").
 */
import { eq, sql } from 'drizzle-orm';
import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { SqlExecutor } from '../db/sql-executor';
import { isDatabaseUnavailable } from '../db/unavailable';
import { AppError } from '../errors';
import type { AccessTokenVerifier } from './jwt-verifier';
import { revokedToken, revokes } from './revocation-rule';

export { REVOCATION_CLOCK_ALLOWANCE_MS } from './revocation-rule';

/** One row per subject whose tokens were revoked; a service re-exports it from its schema (like the inbox). */
export const revokedSubjects = pgTable('revoked_subjects', {
  sub: text('sub').primaryKey(),
  /** Tokens issued up to this instant (plus the clock allowance) are refused. */
  revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3, mode: 'date' }).notNull(),
});

export interface RevocationList {
  /**
   * Epoch milliseconds up to which the subject's tokens are revoked, or undefined when they are not.
   * `Infinity` revokes every token of the subject, whenever issued.
   */
  revokedAt(sub: string): Promise<number | undefined>;
}

/**
 * Records a revocation (at the database's clock unless given); a later one moves it forward, never back. Resolves
 * with the revocation it found (epoch ms), or undefined for none. In a transaction the row stays locked until the
 * commit, so two revokers of one subject take turns: the second finds the first's revocation once it has committed
 * (the insert waits for a first one's uncommitted row), never nothing.
 */
export async function revokeSubject(db: SqlExecutor, sub: string, at?: Date): Promise<number | undefined> {
  const when = at ?? sql`now()`;
  const inserted = await db.insert(revokedSubjects).values({ sub, revokedAt: when }).onConflictDoNothing({ target: revokedSubjects.sub }).returning({ sub: revokedSubjects.sub });
  if (inserted.length > 0) return undefined;
  const [found] = await db.select({ revokedAt: revokedSubjects.revokedAt }).from(revokedSubjects).where(eq(revokedSubjects.sub, sub)).for('update');
  // Gone between the two statements (rows are never deleted today; a pruner might): record it afresh.
  if (!found) return revokeSubject(db, sub, at);
  await db.update(revokedSubjects).set({ revokedAt: sql`greatest(${revokedSubjects.revokedAt}, ${when}::timestamptz)` }).where(eq(revokedSubjects.sub, sub));
  return found.revokedAt.getTime();
}

/** The list as the `revoked_subjects` table holds it. */
export function revocationListPg(db: SqlExecutor): RevocationList {
  return {
    async revokedAt(sub) {
      const [row] = await db.select({ revokedAt: revokedSubjects.revokedAt }).from(revokedSubjects).where(eq(revokedSubjects.sub, sub));
      return row?.revokedAt.getTime();
    },
  };
}

export interface RevocationCacheOptions {
  /** How long an answer is reused. It adds to the time a revocation takes to apply; keep it ≤ 1 s. */
  readonly ttlMs?: number;
  /** Subjects remembered at most; the oldest answers go first. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/**
 * Answers each subject from memory for `ttlMs`, so a burst of requests costs one lookup per subject and second.
 * Concurrent lookups of one subject share one query; a failed lookup is not remembered.
 */
export function cachedRevocationList(list: RevocationList, options: RevocationCacheOptions = {}): RevocationList {
  const { ttlMs = 1_000, maxEntries = 10_000, now = Date.now } = options;
  if (!(ttlMs >= 0 && ttlMs <= 1_000)) throw new Error(`cachedRevocationList ttlMs must be 0 to 1000; got ${ttlMs}`);
  const answers = new Map<string, { until: number; answer: Promise<number | undefined> }>();
  return {
    revokedAt(sub) {
      const cached = answers.get(sub);
      if (cached && cached.until > now()) return cached.answer;
      answers.delete(sub);
      const answer = list.revokedAt(sub);
      answers.set(sub, { until: now() + ttlMs, answer });
      if (answers.size > maxEntries) answers.delete(answers.keys().next().value!);
      answer.catch(() => answers.get(sub)?.answer === answer && answers.delete(sub));
      return answer;
    },
  };
}

/** A verifier that also refuses (401) a valid token the list says was revoked; 503 when the list's database cannot answer. */
export function revocationAware(verifier: AccessTokenVerifier, list: RevocationList): AccessTokenVerifier {
  return {
    async verify(token) {
      const principal = await verifier.verify(token);
      let revokedAt: number | undefined;
      try {
        revokedAt = await list.revokedAt(principal.sub);
      } catch (error) {
        // Only an outage is a 503; a bug in the lookup (a missing column or grant) is a 500 the deployment alarm counts.
        if (!isDatabaseUnavailable(error)) throw error;
        throw AppError.unavailable('Whether this access token was revoked cannot be checked right now.', 1, error);
      }
      if (revokes(revokedAt, principal.issuedAt)) throw revokedToken();
      return principal;
    },
  };
}
