/**
 * Whether the database holds what this release's code needs, for a service that does not migrate itself
 * (`DATABASE_MIGRATIONS=check`: in AWS a deploy step applied the migrations before the service started). It
 * compares the drizzle schema with `information_schema.columns`, which lists the columns of tables the current
 * login may use, so it asks the one question that matters to the running service: can it use every table and column
 * its code names? The app role cannot read drizzle's own bookkeeping, and needs not.
 */
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import type pg from 'pg';

/** Each `table.column` of the drizzle `schema` (a schema module's exports) that this login cannot see in the database. */
export async function missingColumns(pool: pg.Pool, schema: Readonly<Record<string, unknown>>): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    "SELECT table_schema || '.' || table_name || '.' || column_name AS name FROM information_schema.columns",
  );
  const present = new Set(rows.map((row) => row.name));
  const needed = Object.values(schema)
    .filter((value): value is PgTable => is(value, PgTable))
    .flatMap((table) => {
      const { name, schema: tableSchema, columns } = getTableConfig(table);
      return columns.map((column) => ({ key: `${tableSchema ?? 'public'}.${name}.${column.name}`, label: `${name}.${column.name}` }));
    });
  return [...new Map(needed.map((column) => [column.key, column])).values()].filter((column) => !present.has(column.key)).map((column) => column.label);
}
