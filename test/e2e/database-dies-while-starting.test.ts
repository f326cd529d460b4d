/**
 * `npm start` when its embedded PostgreSQL dies while the services are still starting: the services wait for their
 * database by themselves, so the launcher learnt of the death only when they gave up, half a minute later, and
 * then reported their time-outs. Now the death stops the start at once, named as it is after `ready`.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPlatformProcess, type PlatformProcess } from '../../harness/platform-process';
import { bundleEntryPoints } from '../../services/local/bundle';
import { postgresRunningOn } from '../../services/local/embedded-postgres';
import { PLATFORM_ENTRY_POINTS } from '../../services/local/platform';
import { platformDataDir } from '../support/platform-data-dir';
import { stopAndInspect } from '../support/platform-stop';
import { within } from '../support/within';

// A data directory per test: the killed server's backends can outlive it by a moment, holding its shared memory.
const dataDirs: string[] = [];
let platform: PlatformProcess | undefined;

// Bundled before: a start that has to bundle first (a fresh clone: 6 to 18 s by hand, README) finishes that
// before it can stop, which would hide whether the death stopped the rest at once.
beforeAll(() => bundleEntryPoints(PLATFORM_ENTRY_POINTS), 120_000);
afterEach(async () => {
  if (platform) await stopAndInspect(platform, dataDirs.at(-1)!, () => platform!.stop('SIGTERM'));
  platform = undefined;
});
afterAll(async () => {
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('npm start', () => {
  it.each([
    // The line that says PostgreSQL is up: it is then being provisioned (roles, databases), which it does not finish
    // if the kill lands first; under load provisioning (half a second) can end before it does: either is a start
    // that stops at once, so this case does not say which (undefined).
    ['while it is provisioned', /✔ postgres\s+(embedded PostgreSQL)/, undefined],
    // Provisioned: the services, which were waiting for it, now migrate their databases.
    ['while the services start', /✔ (databases) /, true],
  ])('when its embedded PostgreSQL is killed %s, then the start stops at once naming it, and leaves nothing running', { timeout: 180_000 }, async (_when, killAt, provisioned) => {
    const dataDir = await platformDataDir('platform-postgres-dies-starting-');
    dataDirs.push(dataDir);
    platform = await startPlatformProcess(dataDir, undefined, 90_000, killAt);
    const databaseDir = path.join(dataDir, 'postgres');
    const server = await postgresRunningOn(databaseDir);
    expect(server).toBeDefined();

    // Not a speed figure: the bound is what tells "at once" from waiting out the services' 30 s for their database
    // (what happened before; stopping the rest takes a few seconds here).
    const after = await within(20_000, 'npm start ending after its PostgreSQL died', stopAndInspect(platform, dataDir, () => process.kill(server!.pid, 'SIGKILL')));
    platform = undefined;
    const named = `embedded PostgreSQL (pid ${server!.pid}, 127.0.0.1:${server!.port}, data in ${databaseDir}) exited unexpectedly (SIGKILL)`;
    expect(after.output).toContain(`npm start: failed to start: ${named}`);
    expect(after.output).not.toMatch(/^\s+at /m);
    expect(after.output).not.toContain('ready: gateway at');
    if (provisioned !== undefined) expect(after.output.includes('✔ databases')).toBe(provisioned);
    // Not a service's time-out after 30 s of waiting for a database that is gone, which was the news before.
    expect(after.output).not.toContain('did not become ready');
    expect(after.ended).toEqual({ code: 1, signal: null });
    expect(after.left).toEqual({ openPorts: [], processes: [] });
  });
});
