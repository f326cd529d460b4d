import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleScript, type BundledScript } from '../../support/bundled-script';
import { NO_AWS_CREDENTIALS } from '../../support/no-aws-credentials';

const run = promisify(execFile);

/** Command lines the tool must refuse before it looks for any bus or database: nothing needs to run. */
describe('npm run events, given arguments it cannot honour', () => {
  let script: BundledScript;
  beforeAll(async () => {
    script = await bundleScript('scripts/events.ts');
  });
  afterAll(() => script?.remove());

  const refusal = (...args: string[]) =>
    run(process.execPath, [script.file, ...args], { env: { ...process.env, NODE_NO_WARNINGS: '1' }, timeout: 20_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it.each([
    [['dlq', 'list', '--local', '--endpoint', 'http://127.0.0.1:1'], '--endpoint cannot go with --local'],
    [['dlq', 'redrive', '--consumer', 'billing', '--local', '--region', 'eu-west-1'], '--region cannot go with --local'],
    [['outbox', 'status', '--local', 'postgres://postgres@127.0.0.1:1/identity'], 'outbox status takes database URLs or --local, not both'],
    [['outbox', 'status', '--consumer', 'billing', 'postgres://postgres@127.0.0.1:1/identity'], 'outbox status takes no --consumer'],
    [['dlq', 'list', 'billing'], 'dlq list takes no argument "billing"'],
    [['dlq', 'frob'], 'unknown command "dlq frob"'],
    [['dlq', 'list', '--consumer=', '--endpoint', 'http://127.0.0.1:1'], '--consumer needs a value'],
  ])('when the command line is %j, then it exits 1 naming what is wrong on its first line, and reads nothing', async (args, words) => {
    const ended = await refusal(...args);
    expect(ended.code).toBe(1);
    expect(ended.stderr.split('\n')[0]).toContain(words);
    expect(ended.stderr).not.toMatch(/reading |\n\s+at /);
    expect(ended.stdout).toBe('');
  });

  it('when AWS_ENDPOINT_URL is set empty, then it counts as unset, as npm start counts it: real AWS is asked, not an endpoint ""', async () => {
    const env = { ...process.env, NODE_NO_WARNINGS: '1', ...NO_AWS_CREDENTIALS, AWS_ENDPOINT_URL: '' };
    const ended = await run(process.execPath, [script.file, 'dlq', 'list'], { env, timeout: 20_000 }).then(() => undefined, (error: { code: number; stderr: string }) => error);
    expect(ended?.code).toBe(1);
    expect(ended?.stderr).toMatch(/no AWS credentials found/);
  });

  describe('with --endpoint at a server that is no bus', () => {
    // What answers at a mistyped port: here a plain 404, as the local gateway gives to SQS's POST /.
    let server: Server;
    beforeAll(async () => {
      server = createServer((_request, response) => response.writeHead(404).end());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));

    it('when `dlq list` asks it for a queue, then the error says what the endpoint answered and that it is no SNS/SQS, not "UnknownError"', async () => {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const ended = await refusal('dlq', 'list', '--endpoint', endpoint);
      expect(ended.code).toBe(1);
      expect(ended.stderr.split('\n')[0]).toMatch(/^the endpoint answered HTTP 404 with no SNS\/SQS error in it: is --endpoint \(or AWS_ENDPOINT_URL\) the bus/);
    });
  });
});
