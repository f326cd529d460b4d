/**
 * Migrations a database holds that this release does not: a newer release applied them, and this one was started
 * on the same data afterwards (a rollback, an older checkout on a kept DATA_DIR). drizzle's migrator compares only
 * the newest applied migration's timestamp with its own, so it applies nothing and says nothing; the release then
 * runs on a schema newer than its code, which holds only while each migration keeps the release before it working.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';

interface Journal {
  readonly entries: ReadonlyArray<{ readonly when: number }>;
}

/** How many applied migrations are later than the newest in `migrationsFolder`'s journal. */
export async function countNewerMigrations(client: pg.ClientBase, migrationsFolder: string): Promise<number> {
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as Journal;
  const newest = Math.max(0, ...journal.entries.map((entry) => entry.when));
  const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations WHERE created_at > $1', [newest]);
  return rows[0]!.n;
}
