import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/**
 * A drizzle database or a transaction on it, whatever its schema. Repositories take one, so the same code runs
 * on its own or inside a caller's transaction (an event consumer's, which records the event id in it).
 */
export type SqlExecutor = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;
