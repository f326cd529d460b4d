/**
 * Stopping `npm start` in its first moments. start.mjs bundles the launcher with esbuild and loads it (0.3 s on an
 * idle machine, over a second on a busy one) before the launcher listens for signals; a Ctrl-C or a SIGTERM then
 * met Node's default action: the launcher died at once, npm exited by the signal (130 in a shell) and never said
 * "stopped cleanly", and a kill of npm then left a launcher that never noticed its parent had gone. Each case sends
 * its signal at one moment, found from what the launcher is doing, and expects the stop of any later moment.
 * Before start.mjs's first line (npm starting, Node booting) nothing of the platform exists; that is npm's to end.
 */
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPlatformProcess, type PlatformProcess } from '../../harness/platform-process';
import { bundleEntryPoints } from '../../services/local/bundle';
import { PLATFORM_ENTRY_POINTS } from '../../services/local/platform';
import { bundling, childRunning, launcherOf, moment } from '../support/launcher-moments';
import { platformDataDir } from '../support/platform-data-dir';
import { stopAndInspect } from '../support/platform-stop';
import { within } from '../support/within';

/** What npm prints just before it runs the start script. */
const NPM_RUNS_IT = /^> exec node services\/local\/start\.mjs/;
const STARTING = /^Starting the platform/;

let dataDir: string;
let platform: PlatformProcess | undefined;

// Bundled before: the last case's start, then stop, waits for the services' bundles.
beforeAll(async () => {
  dataDir = await platformDataDir('platform-stop-early-');
  await bundleEntryPoints(PLATFORM_ENTRY_POINTS);
}, 120_000);
afterEach(async () => {
  if (platform) await stopAndInspect(platform, dataDir, () => process.kill(-platform!.pid, 'SIGKILL'));
  platform = undefined;
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

type Moment = 'bundling' | 'loading' | 'starting';

/**
 * Starts npm start and waits for `when`. A moment already past (a fast machine bundles in tens of ms) lets the
 * signal go at once: the stop expected is the same.
 */
async function startUntil(when: Moment): Promise<void> {
  if (when === 'starting') {
    platform = await startPlatformProcess(dataDir, undefined, 60_000, STARTING);
    return;
  }
  platform = await startPlatformProcess(dataDir, undefined, 60_000, NPM_RUNS_IT);
  const { pid, output } = platform;
  const started = () => output.some((line) => STARTING.test(line));
  let launcher: number | undefined;
  if (!(await moment(() => (launcher = launcherOf(pid)) !== undefined, started))) return;
  if (!(await moment(() => bundling(launcher!), started)) || when === 'bundling') return;
  await moment(() => !bundling(launcher!), started);
}

const CASES = [
  { when: 'bundling', what: 'Ctrl-C (SIGINT to its group) while it bundles the launcher', signal: 'SIGINT', toGroup: true },
  { when: 'loading', what: 'Ctrl-C (SIGINT to its group) while it loads the launcher', signal: 'SIGINT', toGroup: true },
  { when: 'loading', what: 'SIGTERM to npm alone while it loads the launcher', signal: 'SIGTERM', toGroup: false },
  { when: 'starting', what: 'Ctrl-C (SIGINT to its group) as it says "Starting the platform"', signal: 'SIGINT', toGroup: true },
] as const;

describe('npm start', () => {
  it.for(CASES)('when $what, then it stops without a warning, says "stopped cleanly", exits 0, and leaves nothing running', { timeout: 120_000 }, async ({ when, signal, toGroup }) => {
    await startUntil(when);
    const { pid } = platform!;
    const after = await within(60_000, `npm start stopping after ${signal}`, stopAndInspect(platform!, dataDir, () => process.kill(toGroup ? -pid : pid, signal)));
    platform = undefined;
    expect(after.output).toContain('stopped cleanly');
    expect(after.complaints).toEqual([]);
    expect(after.ended).toEqual({ code: 0, signal: null });
    expect(after.left).toEqual({ openPorts: [], processes: [] });
  });

  // A Ctrl-C sent to the group in the instant the launcher forks a part reaches that part too, before it leaves
  // the group (a fresh clone's CI met it once): fauxqs died of SIGINT, and npm start said "failed to start".
  it('when a part dies of the Ctrl-C while it starts, then it says "stopped cleanly", not that the start failed, and exits 0', { timeout: 120_000 }, async () => {
    await startUntil('starting');
    const { pid } = platform!;
    const launcher = launcherOf(pid)!;
    const stopped = stopAndInspect(platform!, dataDir, () => process.kill(pid, 'SIGINT'));
    let fauxqs: number | undefined;
    await moment(() => (fauxqs = childRunning(launcher, 'fauxqs-server.mjs')) !== undefined, () => false);
    process.kill(fauxqs!, 'SIGINT');
    const after = await within(60_000, 'npm start stopping after SIGINT', stopped);
    platform = undefined;
    expect(after.output).toContain('stopped cleanly');
    expect(after.output).not.toContain('failed to start');
    expect(after.complaints).toEqual([]);
    expect(after.ended).toEqual({ code: 0, signal: null });
    expect(after.left).toEqual({ openPorts: [], processes: [] });
  });

  it('when npm is killed (SIGKILL) while it loads the launcher, then the launcher finds its parent gone, stops cleanly, and leaves nothing running', { timeout: 120_000 }, async () => {
    await startUntil('loading');
    const { pid } = platform!;
    const after = await within(60_000, 'npm start stopping after npm was killed', stopAndInspect(platform!, dataDir, () => process.kill(pid, 'SIGKILL')));
    platform = undefined;
    expect(after.ended).toEqual({ code: null, signal: 'SIGKILL' });
    expect(after.output).toContain('stopped cleanly');
    expect(after.complaints).toEqual([]);
    expect(after.left).toEqual({ openPorts: [], processes: [] });
  });
});
