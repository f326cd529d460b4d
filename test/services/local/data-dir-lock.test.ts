import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/kit/config';
import { LOCK_FILE, lockDataDir, releaseDataDir } from '../../../services/local/data-dir-lock';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'data-dir-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A process that runs until `end()`: another launcher, alive. */
function otherProcess() {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  return { pid: child.pid!, end: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGKILL'))) };
}

describe('one npm start per DATA_DIR', () => {
  it('when no launcher has DATA_DIR, then this one takes it (made if missing) and gives it back', () => {
    const data = path.join(dir, 'data');
    lockDataDir(data, 4242);
    expect(readFileSync(path.join(data, LOCK_FILE), 'utf8')).toBe('4242\n');
    releaseDataDir(data, 4242);
    expect(existsSync(path.join(data, LOCK_FILE))).toBe(false);
  });

  it('when a running launcher has it, then starting refuses, naming DATA_DIR, that pid and the way out, and leaves its lock alone', async () => {
    const other = otherProcess();
    try {
      await writeFile(path.join(dir, LOCK_FILE), `${other.pid}\n`);
      const error = (() => {
        try {
          lockDataDir(dir, 4242);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        `DATA_DIR: ${dir} is in use by another npm start (pid ${other.pid}); stop that one first, or set DATA_DIR to another folder (if no npm start is running, delete ${path.join(dir, LOCK_FILE)})`,
      ]);
      releaseDataDir(dir, 4242);
      expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe(`${other.pid}\n`);
    } finally {
      await other.end();
    }
  });

  it('when the launcher that had it was killed (its pid is gone), then this one takes it over', async () => {
    const other = otherProcess();
    await other.end();
    await writeFile(path.join(dir, LOCK_FILE), `${other.pid}\n`);
    lockDataDir(dir, 4242);
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe('4242\n');
    releaseDataDir(dir, 4242);
  });
});

describe('a DATA_DIR that cannot be used', () => {
  it.each([
    ['under a file', (file: string) => path.join(file, 'data'), /a part of its path is a file, not a folder/],
    ['a file itself', (file: string) => file, /it is a file, not a folder|a part of its path is a file/],
  ])('when it is %s, then starting refuses, naming DATA_DIR and why', async (_, where, why) => {
    const file = path.join(dir, 'plain-file');
    await writeFile(file, 'x');
    const error = (() => {
      try {
        lockDataDir(where(file), 4242);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(new RegExp(`^DATA_DIR: ${where(file)} cannot hold the platform's data: ${why.source}`))]);
  });
});
