import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/** A drizzle database or a transaction on it, whatever its schema: the store runs on either. */
export type SqlExecutor = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;
