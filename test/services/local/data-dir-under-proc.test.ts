/**
 * A DATA_DIR under /proc, where mkdir answers ENOENT although the parent is there: Node.js's recursive mkdir spun
 * there forever, and the launcher with it (deaf to Ctrl-C, as its signal handlers are JavaScript). Each case runs
 * in a child process killed after a bound: a loop in this worker's own thread could not be stopped by any timeout.
 */
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleScript, type BundledScript } from '../../support/bundled-script';

interface Ended {
  readonly code: number | null;
  readonly killed: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs node with `args`, killed once it has spent `cpuSeconds` of CPU (a hung launcher spins at full CPU in C++ and
 * ignores SIGTERM): a bound on the work done, not on the clock, so a child starved by a loaded host (a Node.js boot
 * took over 10 s of wall time there) is not taken for a hung one. The wall-clock bound is only a backstop.
 */
function nodeWithin(cpuSeconds: number, wallMs: number, args: string[], env: Record<string, string> = {}): Promise<Ended> {
  return new Promise((resolve) => {
    const options = { env: { ...process.env, ...env }, timeout: wallMs, killSignal: 'SIGKILL' as const };
    const limited = [`--cpu=${cpuSeconds}:${cpuSeconds}`, process.execPath, ...args];
    execFile('prlimit', limited, options, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, killed: Boolean(error?.killed || error?.signal), stdout, stderr });
    });
  });
}

let lock: BundledScript;
beforeAll(async () => {
  lock = await bundleScript('services/local/data-dir-lock.ts');
});
afterAll(() => lock.remove());

const under = (name: string) => `/proc/no-such-${name}-${process.pid}`;

describe.skipIf(process.platform !== 'linux')('a DATA_DIR under /proc', () => {
  it.each([
    ['a folder /proc has not', under('folder')],
    ['a folder inside one /proc has not', `${under('parent')}/data`],
  ])('when it is %s, then taking it refuses at once, naming DATA_DIR', { timeout: 60_000 }, async (_, dataDir) => {
    const attempt = `import(${JSON.stringify(pathToFileURL(lock.file).href)}).then((lock) => {
      try { lock.lockDataDir(${JSON.stringify(dataDir)}); console.log('took'); }
      catch (error) { console.log(JSON.stringify(error.problems ?? error.message)); }
    })`;
    const ended = await nodeWithin(5, 50_000, ['--input-type=module', '-e', attempt]);
    expect(ended.killed).toBe(false);
    expect(JSON.parse(ended.stdout)).toEqual([`DATA_DIR: ${dataDir} cannot hold the platform's data: its path cannot be made (a missing mount, or a system folder such as /proc?)`]);
  });

  it('when npm start is given one, then it stops with that config error and exit code 1, starting nothing', { timeout: 120_000 }, async () => {
    const dataDir = under('launcher');
    // Up to 20 s of CPU: a cold start builds the launcher's bundle first (start.mjs).
    const ended = await nodeWithin(20, 110_000, ['services/local/start.mjs'], { DATA_DIR: dataDir });
    expect(ended.killed).toBe(false);
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain(`npm start: cannot start. Invalid configuration:\n  - DATA_DIR: ${dataDir} cannot hold the platform's data`);
    expect(ended.stdout).not.toContain('Starting the platform');
  });
});
