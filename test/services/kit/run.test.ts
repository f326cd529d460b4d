/**
 * runMain, the start of every service and of the gateway: a failure that is not a config error ends the process
 * with one line naming the reason (a port in use, a database gone), not Node's stack trace of it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeEntry } from '../../../services/local/child-process/node-entry';

let dir: string;
// A service whose start fails as a port taken does: Node's own error, deep in node:net.
const FAILING = `
import { createServer } from 'node:net';
import { runMain } from ${JSON.stringify(path.resolve('services/kit/run.ts'))};
runMain('stand-in', async () => {
  const holder = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => holder.once('listening', resolve));
  const port = holder.address().port;
  await new Promise((resolve, reject) => createServer().once('error', reject).listen(port, '127.0.0.1', resolve));
});
`;

/** Runs the failing start as `npm start`'s launcher does (over IPC, sending its environment) or as ECS does. */
function run(logLevel: string, by: 'launcher' | 'ecs'): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, LOG_LEVEL: logLevel, PLATFORM_ENV_OVER_IPC: by === 'launcher' ? '1' : undefined };
    const [command, ...args] = [process.execPath, ...nodeEntry(path.join(dir, 'failing.ts'))];
    const child = spawn(command!, args, { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.on('message', () => child.send({ env: {} }));
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr });
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(process.cwd(), '.test-child-run-'));
  await writeFile(path.join(dir, 'failing.ts'), FAILING);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('runMain', () => {
  it('when a start under npm start fails, then it exits 1 with one line saying who failed and why, and the stack trace only at LOG_LEVEL=debug', { timeout: 30_000 }, async () => {
    const ended = await run('info', 'launcher');
    expect(ended.code).toBe(1);
    expect(ended.stderr).toMatch(/^stand-in: failed to start: listen EADDRINUSE: address already in use 127\.0\.0\.1:\d+\n$/);
    const debug = await run('debug', 'launcher');
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^stand-in: failed to start: Error: listen EADDRINUSE/);
    expect(debug.stderr).toMatch(/^\s+at .*node:net/m);
  });

  it('when a start elsewhere (ECS) fails, then its log keeps where it happened, whatever the log level: it is all an operator has of a task that stopped', { timeout: 30_000 }, async () => {
    const ended = await run('info', 'ecs');
    expect(ended.code).toBe(1);
    expect(ended.stderr).toMatch(/^stand-in: failed to start: Error: listen EADDRINUSE/);
    expect(ended.stderr).toMatch(/^\s+at .*node:net/m);
  });
});
