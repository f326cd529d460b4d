import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeEntry } from '../../../../services/local/child-process/node-entry';
import { startChildProcess } from '../../../../services/local/child-process/start-child';
import { bundleScript, type BundledScript } from '../../../support/bundled-script';
import { freePort } from '../../../../services/local/free-port';

let dir: string;
/**
 * The stand-ins run as plain JavaScript under bare node, as the platform's bundled services do: under tsx each
 * start cost about a second of CPU. One, late.ts, still runs through tsx, the way nodeEntry starts a .ts entry.
 */
let waiting: BundledScript;
let orphan: BundledScript;
// A stand-in service: answers /health/ready with its pid, and exits when asked to crash (plain JavaScript).
const ENTRY = `
import { createServer } from 'node:http';
createServer((req, res) => {
  if (req.url === '/crash') { res.end(); setTimeout(() => process.exit(3), 10); return; }
  res.end(String(process.pid));
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

// A stand-in that starts the way the services do (runMain), so it waits for an environment sent over IPC.
const LATE_ENTRY = `
import { createServer } from 'node:http';
import { runMain } from ${JSON.stringify(path.resolve('services/kit/run.ts'))};
runMain('late', async () => {
  createServer((req, res) => res.end(JSON.stringify({ greeting: process.env.GREETING, flag: process.env.PLATFORM_ENV_OVER_IPC ?? null })))
    .listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
});
`;

// A stand-in that, once it has its environment, waits 1.5 s for a part it needs (as a service waits for its
// database) and says so, as services/kit/db/migrate.ts does.
const WAITING_ENTRY = `
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { tellLauncher } from ${JSON.stringify(path.resolve('services/kit/launcher-env.ts'))};
import { runMain } from ${JSON.stringify(path.resolve('services/kit/run.ts'))};
runMain('waiting', async () => {
  await sleep(1500);
  tellLauncher({ waitedMs: 1500 });
  createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
});
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(process.cwd(), '.test-child-'));
  await writeFile(path.join(dir, 'entry.mjs'), ENTRY);
  await writeFile(path.join(dir, 'late.ts'), LATE_ENTRY);
  await writeFile(path.join(dir, 'waiting.ts'), WAITING_ENTRY);
  await writeFile(path.join(dir, 'orphan.ts'), LATE_ENTRY);
  [waiting, orphan] = await Promise.all([bundleScript(path.join(dir, 'waiting.ts')), bundleScript(path.join(dir, 'orphan.ts'))]);
});
afterAll(() => Promise.all([rm(dir, { recursive: true, force: true }), waiting?.remove(), orphan?.remove()]));

const pidAt = (url: string) => fetch(url).then((r) => r.text()).catch(() => undefined);

describe('startChildProcess', () => {
  it('when the child crashes, then it is restarted with backoff and answers again', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const events: string[] = [];
    const url = `http://127.0.0.1:${port}/health/ready`;
    const child = await startChildProcess({
      name: 'stand-in',
      args: nodeEntry(path.join(dir, 'entry.mjs')),
      env: { PORT: String(port) },
      ready: { url },
      restart: true,
      output: 'ignore',
      onEvent: (message) => events.push(message),
    });
    try {
      const firstPid = await pidAt(url);
      await fetch(`http://127.0.0.1:${port}/crash`);
      let secondPid: string | undefined;
      for (let i = 0; i < 100 && (secondPid === undefined || secondPid === firstPid); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        secondPid = await pidAt(url);
      }
      expect(secondPid).toBeDefined();
      expect(secondPid).not.toBe(firstPid);
      // Among the events, not necessarily first: on a busy host an outgoing connection of another test may hold the
      // free port for a moment, and the stand-in's first listen then fails (code 1) and is restarted too.
      expect(events).toContainEqual(expect.stringMatching(/stand-in exited \(code 3\); restarting in 1 s/));
    } finally {
      await child.stop();
    }
    expect(await pidAt(url)).toBeUndefined();
  });

  it('when the child never becomes ready, then start fails naming it and leaves nothing running', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const attempt = startChildProcess({
      name: 'never-ready',
      args: nodeEntry(path.join(dir, 'entry.mjs')),
      env: { PORT: String(port) },
      ready: { url: `http://127.0.0.1:${await freePort()}/elsewhere` },
      readyTimeoutMs: 1_500,
      output: 'ignore',
    });
    await expect(attempt).rejects.toThrow(/never-ready did not become ready/);
    expect(await pidAt(`http://127.0.0.1:${port}/`)).toBeUndefined();
  });

  it('when a child to be restarted exits before it was ever ready, then the start fails naming the exit, and no restart is announced', { timeout: 30_000 }, async () => {
    const events: string[] = [];
    const attempt = startChildProcess({
      name: 'exits-at-once',
      args: ['-e', 'process.exit(3)'],
      ready: { url: `http://127.0.0.1:${await freePort()}/` },
      restart: true,
      output: 'ignore',
      onEvent: (message) => events.push(message),
    });
    await expect(attempt).rejects.toThrow(/^exits-at-once did not become ready: it exited \(code 3\)$/);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // past the first restart's 1 s
    expect(events).toEqual([]);
  });

  it('when its environment arrives later, then the child is started first and runs with that environment', { timeout: 30_000 }, async () => {
    const port = await freePort();
    let send!: (env: Record<string, string>) => void;
    const lateEnv = new Promise<Record<string, string>>((resolve) => (send = resolve));
    const starting = startChildProcess({ name: 'late', args: nodeEntry(path.join(dir, 'late.ts')), lateEnv, ready: { url: `http://127.0.0.1:${port}/` }, output: 'ignore' });
    setTimeout(() => send({ PORT: String(port), GREETING: 'hello' }), 200);
    const child = await starting;
    try {
      expect(await fetch(`http://127.0.0.1:${port}/`).then((r) => r.json())).toEqual({ greeting: 'hello', flag: null });
      expect(child.startupMs).toBeGreaterThan(0);
    } finally {
      await child.stop();
    }
  });

  it('when the child says it waited for a part it needs, then that wait is not counted as its own start-up time', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const started = Date.now();
    const child = await startChildProcess({
      name: 'waiting',
      args: nodeEntry(waiting.file),
      lateEnv: Promise.resolve({ PORT: String(port) }),
      ready: { url: `http://127.0.0.1:${port}/` },
      output: 'ignore',
    });
    try {
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(1500);
      expect(child.startupMs).toBeGreaterThanOrEqual(0);
      expect(child.startupMs).toBeLessThanOrEqual(elapsed - 1400);
    } finally {
      await child.stop();
    }
  });

  it('when its environment cannot be had (a dependency failed), then start fails with that reason and the waiting child is gone', { timeout: 30_000 }, async () => {
    const port = await freePort();
    let fail!: (error: Error) => void;
    const lateEnv = new Promise<Record<string, string>>((_, reject) => (fail = reject));
    const entry = orphan.file;
    const starting = startChildProcess({ name: 'orphan', args: nodeEntry(entry), lateEnv, ready: { url: `http://127.0.0.1:${port}/` }, output: 'ignore' });
    setTimeout(() => fail(new Error('postgres did not start')), 200);
    await expect(starting).rejects.toThrow(/orphan did not become ready.*postgres did not start/);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(entry);
  });

  it('when a part it cannot run without dies while it starts, then start fails at once with that death and the child is gone', { timeout: 30_000 }, async () => {
    const port = await freePort();
    let die!: (error: Error) => void;
    const abandonedBy = new Promise<never>((_, reject) => (die = reject));
    // Its environment never comes, as a service's database never answers once the server is gone.
    const lateEnv = new Promise<Record<string, string>>(() => {});
    const starting = startChildProcess({ name: 'abandoned', args: nodeEntry(waiting.file), lateEnv, abandonedBy, ready: { url: `http://127.0.0.1:${port}/` }, readyTimeoutMs: 20_000, output: 'ignore' });
    setTimeout(() => die(new Error('embedded PostgreSQL exited unexpectedly')), 200);
    const started = Date.now();
    await expect(starting).rejects.toThrow(/abandoned did not become ready: embedded PostgreSQL exited unexpectedly/);
    expect(Date.now() - started).toBeLessThan(15_000); // not its 20 s ready timeout
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(waiting.file);
  });
});

describe('startChildProcess, ready by what the child says', () => {
  const forever = 'setInterval(() => {}, 1_000);';

  it('when the URL answers 503 at first (a service still migrating), then start waits for its 200', async () => {
    const port = await freePort();
    // Not ready for its first half second, as /health/ready answers 503 until migrations are done.
    const script = `const up = Date.now() + 500; require('node:http').createServer((req, res) => { res.statusCode = Date.now() < up ? 503 : 200; res.end(); }).listen(${port}, '127.0.0.1'); ${forever}`;
    const started = Date.now();
    const child = await startChildProcess({ name: 'migrating', args: ['-e', script], ready: { url: `http://127.0.0.1:${port}/health/ready` }, output: 'ignore' });
    try {
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
    } finally {
      await child.stop();
    }
  });

  it('when the child prints the line waited for, then start resolves with the line\'s first group', async () => {
    const script = `console.log('warming up'); console.log('\\u001b[32mlistening on http://127.0.0.1:1\\u001b[39m'); ${forever}`;
    const child = await startChildProcess({ name: 'printer', args: ['-e', script], ready: { logLine: /listening on (\S+)/ } });
    await child.stop();
    expect(child.found).toBe('http://127.0.0.1:1');
  });

  it('when the child sends the message waited for, then start resolves with its value', async () => {
    const child = await startChildProcess({ name: 'sender', args: ['-e', `process.send({ hello: 1 }); process.send({ listening: 7 }); ${forever}`], ready: { message: 'listening' } });
    await child.stop();
    expect(child.found).toBe('7');
  });

  it('when a piped child exits before it is ready, then the error shows as many of its last lines as asked', async () => {
    const script = "for (let i = 1; i <= 5; i++) console.error('line ' + i); process.exit(2);";
    const attempt = startChildProcess({ name: 'failing', args: ['-e', script], ready: { logLine: /never/ }, tailLines: 2 });
    await expect(attempt).rejects.toThrow(/^failing did not become ready: it exited \(code 2\)\nline 4\nline 5$/);
  });
});
