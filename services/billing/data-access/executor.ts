import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/**
 * A drizzle database or a transaction on it, whatever its schema: repositories built on a transaction (an
 * event consumer's, say) run every statement inside it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema; repositories name their tables
export type SqlExecutor = PgDatabase<PgQueryResultHKT, any>;
