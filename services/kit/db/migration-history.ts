/**
 * What drizzle's migrator does not tell: it compares only the newest applied migration's timestamp with its own
 * journal's, applies the journal's later ones, and says nothing of the rest.
 *
 * - Newer: the database holds migrations this release does not (a newer release applied them, and this one was
 *   started on the same data afterwards: a rollback, an older checkout on a kept DATA_DIR). The release runs on a
 *   schema newer than its code, which holds only while each migration keeps the release before it working.
 * - Skipped: the journal has a migration dated before the newest applied one and never applied (a branch's
 *   migration merged after a later-dated one was applied). drizzle would skip it at every start, for ever.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from '../logger';

interface Journal {
  readonly entries: ReadonlyArray<{ readonly when: number; readonly tag: string }>;
}

export interface MigrationHistory {
  /** How many applied migrations are later than the newest in the journal. */
  readonly newer: number;
  /** Tags of the journal's migrations that are not applied and never will be. */
  readonly skipped: string[];
}

export async function migrationHistory(client: pg.ClientBase, migrationsFolder: string): Promise<MigrationHistory> {
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as Journal;
  const { rows } = await client.query<{ at: string }>('SELECT created_at::text AS at FROM drizzle.__drizzle_migrations');
  const applied = new Set(rows.map((row) => Number(row.at)));
  const newestApplied = Math.max(0, ...applied);
  const newestKnown = Math.max(0, ...journal.entries.map((entry) => entry.when));
  return {
    newer: [...applied].filter((at) => at > newestKnown).length,
    skipped: journal.entries.filter((entry) => !applied.has(entry.when) && entry.when <= newestApplied).map((entry) => entry.tag),
  };
}

/** After drizzle's migrator: fails naming skipped migrations, warns of newer ones (the service runs on, nothing undone). */
export async function checkMigrationHistory(client: pg.ClientBase, migrationsFolder: string, lockName: string, logger: Logger): Promise<void> {
  const { newer, skipped } = await migrationHistory(client, migrationsFolder);
  if (skipped.length > 0) {
    throw new Error(`migrations of "${lockName}" skipped ${skipped.join(', ')}: dated before a migration already applied, so drizzle never applies them; give them a later date ("when" in meta/_journal.json)`);
  }
  if (newer > 0) logger.warn({ newerMigrations: newer }, `the database holds ${newer} migration(s) newer than this release's (a newer release applied them): running on that schema, nothing undone`);
}
