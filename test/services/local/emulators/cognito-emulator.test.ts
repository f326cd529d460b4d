import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCognitoEmulator } from '../../../../services/local/emulators/cognito-emulator';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cognito-emulator-test-'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

const answers = (endpoint: string) =>
  fetch(`${endpoint}/health`).then(
    (r) => r.ok,
    () => false,
  );

describe('when the emulator is started on port 0', () => {
  it('then it listens on a free loopback port until stopped, and a second stop is harmless', async () => {
    const emulator = await startCognitoEmulator({ dataDir: dir, port: 0 });
    expect(emulator.endpoint).toBe(`http://127.0.0.1:${emulator.port}`);
    expect(emulator.port).toBeGreaterThan(0);
    expect(await answers(emulator.endpoint)).toBe(true);
    await emulator.stop();
    expect(await answers(emulator.endpoint)).toBe(false);
    await emulator.stop();
  });
});

describe('when the port is taken', () => {
  let blocker: Server;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  });

  afterAll(() => new Promise((resolve) => blocker.close(resolve)));

  it('then start fails with a message naming the port and the directory', async () => {
    const { port } = blocker.address() as { port: number };
    await expect(startCognitoEmulator({ dataDir: dir, port })).rejects.toThrow(
      new RegExp(`cognito-local on 127\\.0\\.0\\.1:${port} in ${dir} did not become ready`),
    );
  });
});
