/**
 * `npm start` when one of its emulators dies under it (killed, crashed, the OOM killer): the launcher ran on while
 * events (fauxqs) or sign-ins (cognito-local) failed, and said nothing. Now it names what died and how, stops the
 * rest as it does when told to stop, and exits 1, as when its PostgreSQL dies (database-dies.test.ts).
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPlatformProcess, type PlatformProcess } from '../../harness/platform-process';
import { LOCK_FILE } from '../../services/local/data-dir-lock';
import { listenerPid } from '../support/listener-pid';
import { platformDataDir } from '../support/platform-data-dir';
import { stopAndInspect } from '../support/platform-stop';
import { within } from '../support/within';

let dataDir: string | undefined;
let platform: PlatformProcess | undefined;

afterEach(async () => {
  if (platform && dataDir) await stopAndInspect(platform, dataDir, () => platform!.stop('SIGTERM'));
  platform = undefined;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const EMULATORS = [
  { emulator: 'fauxqs', part: 'fauxqs, the SNS/SQS emulator', port: 'FAUXQS_PORT', folder: 'fauxqs' },
  { emulator: 'cognito-local', part: 'cognito-local, the Cognito emulator', port: 'COGNITO_PORT', folder: 'cognito' },
] as const;

describe('npm start', () => {
  it.for(EMULATORS)('when $emulator is killed, then it names it and how it ended, stops everything else cleanly, exits 1, and leaves nothing running', { timeout: 180_000 }, async ({ part, port, folder }) => {
    dataDir = await platformDataDir(`platform-${folder}-dies-`);
    platform = await startPlatformProcess(dataDir);
    const emulatorPort = platform.ports[port]!;
    const pid = listenerPid(emulatorPort);

    // Each tier stops within seconds here; a launcher that runs on never ends.
    const after = await within(60_000, `npm start ending after ${folder} died`, stopAndInspect(platform, dataDir, () => process.kill(pid, 'SIGKILL')));
    platform = undefined;
    const named = `${part} (pid ${pid}, 127.0.0.1:${emulatorPort}, data in ${path.join(dataDir, folder)})`;
    expect(after.output).toContain(`  ✘ ${named} exited unexpectedly (SIGKILL)`);
    expect(after.output).toContain('  · the platform cannot run without it: stopping everything');
    expect(after.output).toContain('  · stopped cleanly');
    expect(after.ended).toEqual({ code: 1, signal: null });
    expect(after.left).toEqual({ openPorts: [], processes: [] });
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  });
});
