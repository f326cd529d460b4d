/**
 * `npm start` when its embedded PostgreSQL dies under it (killed, crashed, the OOM killer): the launcher ran on
 * with every request failing and said nothing. Now it names what died and how, stops the rest as it does when
 * told to stop, and exits 1.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatformProcess, type PlatformProcess } from '../../harness/platform-process';
import { LOCK_FILE } from '../../services/local/data-dir-lock';
import { postgresRunningOn } from '../../services/local/embedded-postgres';
import { platformDataDir } from '../support/platform-data-dir';
import { stopAndInspect } from '../support/platform-stop';
import { within } from '../support/within';

let dataDir: string;
let platform: PlatformProcess | undefined;

beforeAll(async () => {
  dataDir = await platformDataDir('platform-postgres-dies-');
});
afterAll(async () => {
  if (platform) await stopAndInspect(platform, dataDir, () => platform!.stop('SIGTERM'));
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('when its embedded PostgreSQL is killed, then it names it and how it ended, stops everything else cleanly, exits 1, and leaves nothing running', { timeout: 180_000 }, async () => {
    platform = await startPlatformProcess(dataDir);
    const databaseDir = path.join(dataDir, 'postgres');
    const server = await postgresRunningOn(databaseDir);
    expect(server).toBeDefined();

    // Each tier stops within seconds here (the database is gone already); a launcher that runs on never ends.
    const after = await within(60_000, 'npm start ending after its PostgreSQL died', stopAndInspect(platform, dataDir, () => process.kill(server!.pid, 'SIGKILL')));
    platform = undefined;
    const named = `embedded PostgreSQL (pid ${server!.pid}, 127.0.0.1:${server!.port}, data in ${databaseDir})`;
    expect(after.output).toContain(`  ✘ ${named} exited unexpectedly (SIGKILL); its last log lines:`);
    expect(after.output).toContain('  · the platform cannot run without it: stopping everything');
    expect(after.output).toContain('  · stopped cleanly');
    expect(after.ended).toEqual({ code: 1, signal: null });
    expect(after.left).toEqual({ openPorts: [], processes: [] });
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  });
});
