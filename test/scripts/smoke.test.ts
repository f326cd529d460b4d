import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

  it('when the server at --url answers 200 with something that is no JSON, then the failed step says so and asks whether --url is the platform', async () => {
    // As fauxqs answers any request: 200 with XML.
    const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?><x/>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const failed = await run(process.execPath, [script.file, '--url', url]).then(() => undefined, (error: { code: number; stdout: string }) => error);
      expect(failed?.code).toBe(1);
      expect(failed?.stdout).toMatch(/FAILED: .*\(the answer is no JSON: is --url the platform's gateway or deployed API\?\)/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
