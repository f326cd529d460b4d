import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/kit/config';
import { LOCK_FILE, lockDataDir, releaseDataDir } from '../../../services/local/data-dir-lock';
import { holderLine, thisHolder } from '../../../services/local/lock-holder';
import { bundleScript } from '../../support/bundled-script';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'data-dir-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** What `take` threw, if anything. */
function refusalOf(take: () => void): unknown {
  try {
    take();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** A process that runs until `end()`: another launcher, alive. */
function otherProcess() {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  return { pid: child.pid!, end: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGKILL'))) };
}

describe('one npm start per DATA_DIR', () => {
  it('when no launcher has DATA_DIR, then this one takes it (made if missing) and gives it back', () => {
    const data = path.join(dir, 'data');
    lockDataDir(data, 4242);
    expect(readFileSync(path.join(data, LOCK_FILE), 'utf8')).toMatch(/^4242 /);
    releaseDataDir(data, 4242);
    expect(existsSync(path.join(data, LOCK_FILE))).toBe(false);
  });

  it('when a running launcher has it, then starting refuses, naming DATA_DIR, that pid and the way out, and leaves its lock alone', async () => {
    const other = otherProcess();
    try {
      await writeFile(path.join(dir, LOCK_FILE), `${other.pid}\n`);
      const error = refusalOf(() => lockDataDir(dir, 4242));
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
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toMatch(/^4242 /);
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
    const error = refusalOf(() => lockDataDir(where(file), 4242));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(new RegExp(`^DATA_DIR: ${where(file)} cannot hold the platform's data: ${why.source}`))]);
  });
});

describe('a DATA_DIR lock left behind', () => {
  it('when it was written before the machine restarted (another boot id), then its pid, alive again by chance, does not hold it', async () => {
    await writeFile(path.join(dir, LOCK_FILE), `${process.ppid} not-this-boot\n`);
    lockDataDir(dir, 4242);
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toMatch(/^4242 /);
    releaseDataDir(dir, 4242);
  });

  it('when it names this very process (its pid, reused after a restart), then it is taken', async () => {
    await writeFile(path.join(dir, LOCK_FILE), `${process.pid} not-this-boot\n`);
    lockDataDir(dir);
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    releaseDataDir(dir);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('when a launcher was killed while taking over a dead lock (its guard names a dead pid), then the next one still takes it', async () => {
    const dead = otherProcess();
    await dead.end();
    await writeFile(path.join(dir, LOCK_FILE), `${dead.pid}\n`);
    const guard = path.join(dir, `${LOCK_FILE}.takeover`);
    await writeFile(guard, holderLine(thisHolder(dead.pid), 'nonce'));
    lockDataDir(dir, 4242);
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toMatch(/^4242 /);
    expect(existsSync(guard)).toBe(false);
    releaseDataDir(dir, 4242);
  });

  it('when a launcher that still runs is taking over a dead lock (stalled, however long), then this one leaves the lock to it and says so after its deadline', async () => {
    const stalled = otherProcess();
    try {
      const lock = path.join(dir, LOCK_FILE);
      await writeFile(lock, '999999 not-this-boot\n');
      await writeFile(path.join(dir, `${LOCK_FILE}.takeover`), holderLine(thisHolder(stalled.pid), 'nonce'));
      expect(() => lockDataDir(dir, 4242, 300)).toThrow(/another launcher is taking it over .*launcher\.pid\.takeover/);
      expect(readFileSync(lock, 'utf8')).toBe('999999 not-this-boot\n');
    } finally {
      await stalled.end();
    }
  });

  it('when it names a pid of another pid namespace (another container sharing the folder), then it counts as running: starting refuses', async () => {
    const mine = thisHolder();
    await writeFile(path.join(dir, LOCK_FILE), holderLine({ ...mine, pidNamespace: 'pid:[1]' }));
    expect(() => lockDataDir(dir)).toThrow(ConfigError);
  });

  it('when it is a symbolic link to nothing, then starting refuses at once, naming DATA_DIR and the link', async () => {
    await symlink(path.join(dir, 'gone'), path.join(dir, LOCK_FILE));
    const started = Date.now();
    expect(() => lockDataDir(dir, 4242)).toThrow(ConfigError);
    expect(() => lockDataDir(dir, 4242)).toThrow(/symbolic link to nothing/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('when the lock cannot be read (it is a folder), then starting refuses, naming DATA_DIR', async () => {
    await mkdir(path.join(dir, LOCK_FILE));
    const error = refusalOf(() => lockDataDir(dir, 4242));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(new RegExp(`^DATA_DIR: ${dir} cannot hold the platform's data`))]);
  });

  it('when several launchers start at once over a dead launcher\'s lock, then exactly one takes it', { timeout: 60_000 }, async () => {
    const dead = otherProcess();
    await dead.end();
    await writeFile(path.join(dir, LOCK_FILE), `${dead.pid}\n`);
    const script = await bundleScript('services/local/data-dir-lock.ts');
    try {
      // The one that took it holds it until every other has tried: until its stdin closes, which happens once all
      // six have said their outcome. A fixed hold (3 s) was shorter than the gap between the first and the last
      // child's start on a loaded host: the holder exited, released the lock, and a late child rightly took it too.
      const attempt = `import(${JSON.stringify(pathToFileURL(script.file).href)}).then((lock) => {
        try { lock.lockDataDir(${JSON.stringify(dir)}); console.log('took'); process.stdin.resume(); }
        catch (error) { console.log(error.problems ? 'refused' : 'failed: ' + error.message); }
      })`;
      const children = Array.from({ length: 6 }, () => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', attempt], { stdio: ['pipe', 'pipe', 'inherit'] });
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        // Its outcome is its first line; one that exits without a line break said what it said.
        const said = new Promise<string>((resolve) => {
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()).includes('\n') && resolve(out.trim()));
          void exited.then(() => resolve(out.trim()));
        });
        return { child, exited, said };
      });
      const outcomes = await Promise.all(children.map(({ said }) => said)).finally(() => children.forEach(({ child }) => child.stdin.end()));
      await Promise.all(children.map(({ exited }) => exited));
      expect(outcomes.filter((said) => said === 'took')).toHaveLength(1);
      expect(outcomes.filter((said) => said === 'refused')).toHaveLength(5);
    } finally {
      await script.remove();
    }
  });
});
