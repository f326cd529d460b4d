/**
 * Whether this login can use what this release's code needs, for a service that does not migrate itself
 * (`DATABASE_MIGRATIONS=check`: in AWS a deploy step applied the migrations before the service started): every
 * table and column of its drizzle schema exists, it may SELECT, INSERT, UPDATE and DELETE each table (what
 * provisioning grants the app role), and use the sequences those tables own (serial columns). The catalogs
 * answer it for any login; the app role cannot read drizzle's own bookkeeping, and needs not.
 */
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import type pg from 'pg';

const ROW_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

/** One row per column of a user table, per row privilege this login lacks, and per owned sequence it may not use. */
const CATALOG = `
  SELECT 'column' AS kind, n.nspname AS schema, c.relname AS table, a.attname AS detail
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL
  SELECT 'refused', n.nspname, c.relname, p.privilege
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, unnest($1::text[]) AS p(privilege)
    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND NOT has_table_privilege(c.oid, p.privilege)
  UNION ALL
  SELECT 'sequence', n.nspname, t.relname, s.relname
    FROM pg_depend d JOIN pg_class s ON s.oid = d.objid JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      -- CASE, so that the privilege is asked of sequences only: PostgreSQL may test conditions in any order.
      AND CASE WHEN s.relkind = 'S' THEN NOT has_sequence_privilege(s.oid, 'USAGE') ELSE false END`;

interface CatalogRow {
  readonly kind: 'column' | 'refused' | 'sequence';
  readonly schema: string;
  readonly table: string;
  readonly detail: string;
}

/**
 * What of the drizzle `schema` (a schema module's exports) this login cannot use, each said plainly: a missing
 * column as `table.column` (every column, for a missing table), a refused table as `table (no INSERT, …)`, a
 * sequence as `table: sequence name (no USAGE)`. Empty when the release can run.
 */
export async function unusableParts(pool: pg.Pool, schema: Readonly<Record<string, unknown>>): Promise<string[]> {
  const { rows } = await pool.query<CatalogRow>(CATALOG, [ROW_PRIVILEGES]);
  const of = (kind: CatalogRow['kind'], key: string) => rows.filter((row) => row.kind === kind && `${row.schema}.${row.table}` === key).map((row) => row.detail);
  const columns = new Set(rows.filter((row) => row.kind === 'column').map((row) => `${row.schema}.${row.table}.${row.detail}`));
  const tables = new Map(Object.values(schema).filter((value): value is PgTable => is(value, PgTable)).map((table) => {
    const config = getTableConfig(table);
    return [`${config.schema ?? 'public'}.${config.name}`, config] as const;
  }));
  return [...tables].flatMap(([key, { name, columns: needed }]) => {
    const missing = needed.filter((column) => !columns.has(`${key}.${column.name}`)).map((column) => `${name}.${column.name}`);
    if (missing.length === needed.length) return missing; // no such table: its privileges mean nothing yet
    const refused = ROW_PRIVILEGES.filter((privilege) => of('refused', key).includes(privilege));
    return [
      ...missing,
      ...(refused.length > 0 ? [`${name} (no ${refused.join(', ')})`] : []),
      ...of('sequence', key).map((sequence) => `${name}: sequence ${sequence} (no USAGE)`),
    ];
  });
}
