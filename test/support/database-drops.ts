/**
 * Test databases are not dropped by the file that made them: the file lists them, and the global setup drops them
 * in batches, side by side, in the background and at the run's end. PostgreSQL 15 and 16 take a checkpoint for every
 * DROP DATABASE and wait for it: every page written since the last one is written out and fsynced, new databases'
 * hundreds of files included. Dropped by each file, under a whole run's load, a drop took about half a second of its
 * file's time and slowed every other file's CREATE DATABASE meanwhile; dropped together, they share their
 * checkpoints. A file that is done with a database still ends its sessions at once (no checkpoint), so none
 * outlives the file. Only node built-ins and pg: the global setup runs this in vitest's main process.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import pg from 'pg';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where a file lists the databases it is done with, for the run's teardown. */
    databasesToDropFile?: string;
  }
}

/** What one file made and leaves: its databases are dropped first, then its roles, each in its order. */
export interface DropEntry {
  readonly databases: readonly string[];
  readonly roles: readonly string[];
}

/** Ends every session in those databases of the server at `adminUrl` (a database URL of the server's admin). */
export async function endSessionsOf(adminUrl: string, databases: readonly string[]): Promise<void> {
  await asAdmin(adminUrl, (client) =>
    client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()', [databases]),
  );
}

/** Drops the databases, then the roles, those that exist. */
export async function dropNow(adminUrl: string, entry: DropEntry): Promise<void> {
  await asAdmin(adminUrl, async (client) => {
    for (const database of entry.databases) await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(database)} WITH (FORCE)`);
    for (const role of entry.roles) await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(role)}`);
  });
}

/** Lists the entry for the teardown: one short append (O_APPEND), so the lines of files in other workers never mix. */
export function listForDrop(file: string, entry: DropEntry): void {
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

export interface DropSweeper {
  /** Stops sweeping, drops what is still listed, and throws naming whatever could not be dropped. */
  finish(): Promise<void>;
}

/**
 * For the global setup: every `everyMs`, drops what the files have listed in `file` since the last sweep, `together`
 * at a time (each DROP DATABASE waits for a checkpoint; those waiting together share one). Swept during the run, a
 * whole run's databases are not all left for its end, where dropping them (about 40 ms each, side by side) would be
 * the run's last serial step.
 */
export function startDropSweeper(file: string, adminUrl: string, options: { everyMs?: number; together?: number } = {}): DropSweeper {
  const { everyMs = 10_000, together = 16 } = options;
  let done = 0; // bytes of the file already swept
  const failed: string[] = [];
  let sweeping: Promise<void> = Promise.resolve();
  const sweep = async () => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // no file has listed any yet
    }
    const upTo = text.lastIndexOf('\n') + 1; // whole lines only: a line is written in one append
    const entries = text.slice(done, upTo).split('\n').filter(Boolean).map((line) => JSON.parse(line) as DropEntry);
    done = Math.max(done, upTo);
    let next = 0;
    const worker = async () => {
      for (let entry = entries[next++]; entry; entry = entries[next++]) {
        await dropNow(adminUrl, entry).catch((error: unknown) => void failed.push(`${[...entry.databases, ...entry.roles].join(', ')} (${String(error)})`));
      }
    };
    await Promise.all(Array.from({ length: Math.min(together, entries.length) }, worker));
  };
  // A sweep that throws (a line that does not parse) is told at the end, and the next sweeps still run.
  const sweepTold = () => sweep().catch((error: unknown) => void failed.push(`a sweep (${String(error)})`));
  const timer = setInterval(() => {
    sweeping = sweeping.then(sweepTold);
  }, everyMs);
  timer.unref();
  return {
    async finish() {
      clearInterval(timer);
      await (sweeping = sweeping.then(sweepTold));
      if (failed.length > 0) throw new Error(`the run's test databases and roles could not all be dropped; drop them by hand: ${failed.join('; ')}`);
    },
  };
}

async function asAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
