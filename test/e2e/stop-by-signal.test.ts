/**
 * Stopping `npm start` by a signal it is meant to pass on: Ctrl-C (SIGINT to the whole process group), and
 * SIGTERM or SIGINT to npm alone (an IDE's stop button, `kill $!`). One start each; the first is cold, the others
 * warm on the same DATA_DIR.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatformProcess, type PlatformProcess } from '../../harness/platform-process';
import { stopAndInspect } from '../support/platform-stop';

let dataDir: string;
let platform: PlatformProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'platform-stop-signal-'));
  await chmod(dataDir, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
});
afterAll(async () => {
  if (platform) await stopAndInspect(platform, dataDir, () => platform!.stop('SIGTERM'));
  await rm(dataDir, { recursive: true, force: true });
});

const CASES = [
  { when: 'Ctrl-C sends SIGINT to its process group', signal: 'SIGINT', toGroup: true },
  { when: 'SIGTERM is sent to npm alone', signal: 'SIGTERM', toGroup: false },
  { when: 'SIGINT is sent to npm alone', signal: 'SIGINT', toGroup: false },
] as const;

describe('npm start', () => {
  it.for(CASES)('when $when, then it stops everything without a warning, says "stopped cleanly", exits 0, and leaves nothing running', { timeout: 180_000 }, async ({ signal, toGroup }) => {
    platform = await startPlatformProcess(dataDir);
    const { pid } = platform;
    const after = await stopAndInspect(platform, dataDir, () => process.kill(toGroup ? -pid : pid, signal));
    platform = undefined;
    expect(after.output).toContain('stopped cleanly');
    expect(after.complaints).toEqual([]);
    expect(after.ended).toEqual({ code: 0, signal: null });
    expect(after.left).toEqual({ openPorts: [], processes: [] });
  });
});
