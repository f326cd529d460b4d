/**
 * Stopping `npm start` when what started it goes away: the terminal closes (SIGHUP to the whole process group),
 * or npm itself is killed (SIGKILL: the launcher's parent dies without a word). npm dies of both, so its own
 * end is that signal; the launcher stops everything behind it and says so on the output npm leaves open.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatformProcess, type PlatformProcess } from '../../harness/platform-process';
import { platformDataDir } from '../support/platform-data-dir';
import { stopAndInspect } from '../support/platform-stop';

let dataDir: string;
let platform: PlatformProcess | undefined;

beforeAll(async () => {
  dataDir = await platformDataDir('platform-stop-gone-');
});
afterAll(async () => {
  if (platform) await stopAndInspect(platform, dataDir, () => platform!.stop('SIGTERM'));
  await rm(dataDir, { recursive: true, force: true });
});

const CASES = [
  { when: 'SIGHUP reaches its group (terminal gone)', signal: 'SIGHUP', toGroup: true },
  { when: 'npm, its parent, is killed (SIGKILL)', signal: 'SIGKILL', toGroup: false },
] as const;

describe('npm start', () => {
  it.for(CASES)('when $when, then it stops everything without a warning, says "stopped cleanly", and leaves nothing running', { timeout: 180_000 }, async ({ signal, toGroup }) => {
    platform = await startPlatformProcess(dataDir);
    const { pid } = platform;
    const after = await stopAndInspect(platform, dataDir, () => process.kill(toGroup ? -pid : pid, signal));
    platform = undefined;
    expect(after.ended).toEqual({ code: null, signal });
    expect(after.output).toContain('stopped cleanly');
    expect(after.complaints).toEqual([]);
    expect(after.left).toEqual({ openPorts: [], processes: [] });
  });
});
