/**
 * `npm start` when another program takes one of its ports after the launcher checked them: the part that finds it
 * taken exits, and the start fails. It printed the gateway's stack trace, then the launcher's own, between a "restarting
 * in 1 s" that never came and a failure that named no port. Now each says its reason in a line, and the launcher
 * what to do, naming the variable.
 */
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatformProcess, type PlatformProcess } from '../../harness/platform-process';
import { bundleEntryPoints } from '../../services/local/bundle';
import { PLATFORM_ENTRY_POINTS } from '../../services/local/platform';
import { platformDataDir } from '../support/platform-data-dir';
import { stopAndInspect } from '../support/platform-stop';
import { within } from '../support/within';

let dataDir: string;
let platform: PlatformProcess | undefined;

// Bundled before, so that the services and the gateway start within the bound below.
beforeAll(async () => {
  dataDir = await platformDataDir('platform-port-taken-');
  await bundleEntryPoints(PLATFORM_ENTRY_POINTS);
}, 120_000);
afterAll(async () => {
  if (platform) await stopAndInspect(platform, dataDir, () => platform!.stop('SIGTERM'));
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('when another program takes the gateway\'s port after the check, then the start fails in a few lines naming GATEWAY_PORT, with no stack trace, and leaves nothing running', { timeout: 180_000 }, async () => {
    // The ports are checked before this line; the gateway listens only once Cognito is up, seconds later (this
    // DATA_DIR has no Cognito state yet, so it waits for the emulator's first start).
    platform = await startPlatformProcess(dataDir, undefined, 90_000, /^Starting the platform/);
    const port = platform.ports.GATEWAY_PORT!;
    const stranger = createServer().listen(port, '127.0.0.1');
    await once(stranger, 'listening');
    const ended = await within(90_000, 'npm start ending after its gateway could not listen', platform.ended).finally(() => stranger.close());
    const after = await stopAndInspect(platform, dataDir, () => {});
    platform = undefined;
    expect(ended).toEqual({ code: 1, signal: null });
    expect(after.output).toContain(`gateway: failed to start: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`);
    expect(after.output).toContain(
      'npm start: failed to start: gateway did not become ready: it exited (code 1)\n' +
        `  GATEWAY_PORT: port ${port} on 127.0.0.1 was taken by another program after npm start checked it; stop what holds it, or set GATEWAY_PORT to a free port.`,
    );
    expect(after.output).not.toMatch(/^\s+at /m);
    expect(after.output).not.toContain('restarting');
    expect(after.left).toEqual({ openPorts: [], processes: [] });
  });
});
