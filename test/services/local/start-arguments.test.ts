/**
 * `npm start -- <arguments>`: settings are environment variables only, so an argument is a mistake to name, not
 * something to drop while the platform starts on its defaults. Both cases end before anything is bundled or started.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function start(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // A bad LOG_LEVEL: a launcher that dropped the arguments would stop at its config check, starting nothing either.
    const env = { ...process.env, LOG_LEVEL: 'not-a-level' };
    execFile(process.execPath, ['services/local/start.mjs', ...args], { env, timeout: 30_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe('npm start given arguments', () => {
  it('when given --port 9000, then it refuses, naming them and how settings are given, and starts nothing', async () => {
    const ended = await start(['--port', '9000']);
    expect(ended.code).toBe(1);
    expect(ended.stderr).toMatch(/^npm start: cannot start\. It takes no arguments \(got "--port" "9000"\): npm start takes its settings from environment variables, e\.g\. GATEWAY_PORT=8081/);
    expect(ended.stdout).not.toContain('Starting the platform');
  });

  it('when given --help, then it says how it is configured and exits 0, starting nothing', async () => {
    const ended = await start(['--help']);
    expect(ended.code).toBe(0);
    expect(ended.stdout).toMatch(/^npm start takes its settings from environment variables/);
    expect(ended.stdout).not.toContain('Starting the platform');
  });
});
