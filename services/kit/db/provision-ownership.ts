import type pg from 'pg';

/**
 * SQL that gives `role` every schema, table, view, sequence, type and routine of the current database that someone
 * else owns, outside the system schemas and extensions. A database whose migrations ran as the admin (before each
 * service had its role) would otherwise refuse its own service: drizzle's migrations table, and every table, would
 * belong to the admin. On a database the role made itself it finds nothing to do.
 *
 * Sequences owned by a column follow their table. `public` of a database made by PostgreSQL 15 or later belongs to
 * pg_database_owner, that is to the database's owner, and stays so; in one upgraded from an older server it belongs
 * to the bootstrap superuser and is handed over too (its owner then revokes PUBLIC's CREATE there: provision.ts).
 */
export function takeOwnershipSql(client: pg.Client, role: string): string {
  const owner = client.escapeLiteral(role);
  const userSchema = (column: string) => `${column} NOT LIKE 'pg\\_%' AND ${column} <> 'information_schema'`;
  const notInExtension = (catalog: string) =>
    `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = o.oid AND d.deptype = 'e')`;
  return `DO $own$
DECLARE
  target regrole := ${owner}::regrole;
  r record;
BEGIN
  FOR r IN SELECT o.nspname AS name FROM pg_namespace o
    WHERE ${userSchema('o.nspname')} AND o.nspowner NOT IN (target, 'pg_database_owner'::regrole) AND ${notInExtension('pg_namespace')}
  LOOP EXECUTE format('ALTER SCHEMA %I OWNER TO %I', r.name, target::text); END LOOP;

  FOR r IN SELECT o.oid::regclass::text AS name, o.relkind FROM pg_class o JOIN pg_namespace n ON n.oid = o.relnamespace
    WHERE ${userSchema('n.nspname')} AND o.relowner <> target AND o.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
      AND ${notInExtension('pg_class')}
      AND NOT (o.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = o.oid AND d.deptype IN ('a', 'i')))
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO %I',
      CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
      r.name, target::text);
  END LOOP;

  FOR r IN SELECT o.oid::regtype::text AS name, o.typtype FROM pg_type o JOIN pg_namespace n ON n.oid = o.typnamespace
    WHERE ${userSchema('n.nspname')} AND o.typowner <> target AND o.typtype IN ('e', 'd') AND ${notInExtension('pg_type')}
  LOOP EXECUTE format('ALTER %s %s OWNER TO %I', CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, r.name, target::text); END LOOP;

  FOR r IN SELECT o.oid::regprocedure::text AS name FROM pg_proc o JOIN pg_namespace n ON n.oid = o.pronamespace
    WHERE ${userSchema('n.nspname')} AND o.proowner <> target AND ${notInExtension('pg_proc')}
  LOOP EXECUTE format('ALTER ROUTINE %s OWNER TO %I', r.name, target::text); END LOOP;
END
$own$`;
}
