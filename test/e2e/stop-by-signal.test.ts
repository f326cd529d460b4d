/**
 * Stopping `npm start` by a signal it is meant to pass on: Ctrl-C (SIGINT to the whole process group). SIGTERM
 * and SIGINT to npm alone (an IDE's stop button, `kill $!`) stop npm-start.test.ts's two platforms, with the same
 * checks; each case had a start of its own here. This start's DATA_DIR holds a new PostgreSQL cluster from the
 * start (platform-data-dir.ts); npm-start.test.ts is the cold start.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatformProcess, type PlatformProcess } from '../../harness/platform-process';
import { platformDataDir } from '../support/platform-data-dir';
import { stopAndInspect } from '../support/platform-stop';

let dataDir: string;
let platform: PlatformProcess | undefined;

beforeAll(async () => {
  dataDir = await platformDataDir('platform-stop-signal-');
});
afterAll(async () => {
  if (platform) await stopAndInspect(platform, dataDir, () => platform!.stop('SIGTERM'));
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('when Ctrl-C sends SIGINT to its process group, then it stops everything without a warning, says "stopped cleanly", exits 0, and leaves nothing running', { timeout: 180_000 }, async () => {
    platform = await startPlatformProcess(dataDir);
    const { pid } = platform;
    const after = await stopAndInspect(platform, dataDir, () => process.kill(-pid, 'SIGINT'));
    platform = undefined;
    expect(after.output).toContain('stopped cleanly');
    expect(after.complaints).toEqual([]);
    expect(after.ended).toEqual({ code: 0, signal: null });
    expect(after.left).toEqual({ openPorts: [], processes: [] });
  });
});
