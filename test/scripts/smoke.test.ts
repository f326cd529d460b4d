import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../services/local/free-port';
import { bundleScript, type BundledScript } from '../support/bundled-script';

const run = promisify(execFile);

describe('npm run smoke', () => {
  let script: BundledScript;
  beforeAll(async () => {
    script = await bundleScript('scripts/smoke.ts');
  });
  afterAll(() => script?.remove());

  it('when nothing answers at the URL, then it exits 1, names the refused connection and says what to start', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const failed = await run(process.execPath, [script.file, '--url', url]).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toContain('FAILED: fetch failed: connect ECONNREFUSED');
    expect(failed?.stdout).toContain(`nothing answers at ${url}; start the platform (npm start) or pass --url`);
  });

  it.each([[['--bogus']], [['--url']], [['http://127.0.0.1:8080']]])('when the command line is %j, then it exits 2 with one line naming the option or argument, and no stack trace', async (args) => {
    const failed = await run(process.execPath, [script.file, ...args]).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr.split('\n')[0]).toMatch(/^smoke: (Unknown option '--bogus'|Option '--url <value>' argument missing|Unexpected argument 'http:\/\/127\.0\.0\.1:8080')/);
    expect(failed?.stderr).not.toMatch(/\n\s+at /);
    expect(failed?.stdout).toBe('');
  });
});
