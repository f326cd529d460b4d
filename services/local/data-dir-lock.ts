/**
 * One `npm start` per DATA_DIR. A second launcher on the same data would take the first one's PostgreSQL for the
 * leftover of a killed launcher and stop it (stopLeftoverPostgres), leaving the running platform without its
 * database; with ports of its own it would run a second server on the same files. The running launcher keeps its
 * pid (and the machine's boot id, where Linux has one) in DATA_DIR/launcher.pid; another launcher that finds a
 * live one there refuses to start, naming it. A pid left by a launcher that was killed (kill -9), or written
 * before the machine restarted, belongs to no live launcher, and the file is taken over.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../kit/config';
import { makeDirectory } from './make-directory';
import { isAlive } from './process-alive';

export const LOCK_FILE = 'launcher.pid';

interface Holder {
  readonly pid: number;
  readonly bootId: string;
}

/** Takes DATA_DIR for this process until it exits (the file is removed on any exit but a kill); throws if another launcher has it. */
export function lockDataDir(dataDir: string, pid = process.pid): void {
  try {
    makeDirectory(dataDir); // not mkdirSync's recursive mode, which never returns under /proc (make-directory.ts)
  } catch (error) {
    throw unusable(dataDir, error);
  }
  const file = path.join(dataDir, LOCK_FILE);
  const mine: Holder = { pid, bootId: bootId() };
  const deadline = Date.now() + TAKE_WITHIN_MS;
  while (Date.now() < deadline) {
    if (createWith(dataDir, file, mine)) {
      process.once('exit', () => releaseDataDir(dataDir, pid));
      return;
    }
    const holder = readHolder(file);
    if (holder && holder.pid !== pid && isLive(holder, mine.bootId)) throw inUse(dataDir, file, holder.pid);
    if (holder && !removeIfDead(dataDir, file, mine)) pause(10); // another launcher is removing it
  }
  throw new Error(`could not take ${file} within ${TAKE_WITHIN_MS / 1000} s: other launchers keep taking it; try again`);
}

/** How long several launchers started at once may take to settle which one has DATA_DIR. */
const TAKE_WITHIN_MS = 15_000;

/** Removes the lock if it is still this process's. */
export function releaseDataDir(dataDir: string, pid = process.pid): void {
  const file = path.join(dataDir, LOCK_FILE);
  try {
    if (readHolder(file)?.pid === pid) rmSync(file, { force: true });
  } catch {
    // Called on exit: a lock file that cannot be read is left for the next launcher to report.
  }
}

/** The lock file made whole at once (written aside, then linked in): true if it was made, false if one exists. */
function createWith(dataDir: string, file: string, holder: Holder): boolean {
  const aside = `${file}.${holder.pid}.${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(aside, `${holder.pid} ${holder.bootId}\n`);
    linkSync(aside, file); // fails if the file exists: two launchers cannot both win, and no reader sees it empty
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw unusable(dataDir, error);
  } finally {
    rmSync(aside, { force: true });
  }
}

/**
 * Deletes a dead holder's lock file; false if another launcher is doing so (try again). Reading the holder and
 * deleting its file are two steps, so they run under a second, short-lived file made exclusively: only its maker
 * deletes a lock file (a live launcher deletes only its own), so the file it found dead cannot be swapped for a
 * live launcher's before the delete. A takeover file older than GUARD_STALE_MS was left by a launcher killed in
 * those few microseconds, and is deleted.
 */
function removeIfDead(dataDir: string, file: string, mine: Holder): boolean {
  const guard = `${file}.takeover`;
  try {
    writeFileSync(guard, `${process.pid}\n`, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unusable(dataDir, error);
    if (ageMs(guard) > GUARD_STALE_MS) rmSync(guard, { force: true });
    return false;
  }
  try {
    const holder = readHolder(file);
    // Our own pid there is a file left by an earlier process that had this pid, or this process's own.
    if (holder && (holder.pid === mine.pid || !isLive(holder, mine.bootId))) rmSync(file, { force: true });
    return true;
  } finally {
    rmSync(guard, { force: true });
  }
}

/** Far longer than the two file operations it guards take, even on a machine that is swapping. */
const GUARD_STALE_MS = 10_000;

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Blocks this thread for a moment: the lock is taken before anything else starts, so nothing waits on it. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The lock file's holder; undefined if there is no file. */
function readHolder(file: string): Holder | undefined {
  try {
    const [pid, boot = ''] = readFileSync(file, 'utf8').trim().split(/\s+/);
    return { pid: Number(pid), bootId: boot };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unusable(path.dirname(file), error);
  }
}

/** A launcher still running: its pid is alive, and (where both are known) on this boot of the machine. */
function isLive(holder: Holder, thisBoot: string): boolean {
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  if (holder.bootId && thisBoot && holder.bootId !== thisBoot) return false;
  return isAlive(holder.pid);
}

/** Linux's id of this boot of the machine; empty elsewhere. */
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

const inUse = (dataDir: string, file: string, pid: number) =>
  new ConfigError([
    `DATA_DIR: ${path.resolve(dataDir)} is in use by another npm start (pid ${pid}); stop that one first, or set DATA_DIR to another folder` +
      ` (if no npm start is running, delete ${file})`,
  ]);

const WHY: Readonly<Record<string, string>> = {
  ENOTDIR: 'a part of its path is a file, not a folder',
  EEXIST: 'it is a file, not a folder',
  EACCES: 'permission denied; make it writable by this user, or choose another folder',
  EPERM: 'permission denied; make it writable by this user, or choose another folder',
  EROFS: 'its file system is read-only',
  ENOSPC: 'its disk is full',
  ENOENT: 'its path cannot be made (a missing mount, or a system folder such as /proc?)',
};

/** Why DATA_DIR cannot hold the platform's data, as a config error naming it. */
function unusable(dataDir: string, error: unknown): ConfigError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return new ConfigError([`DATA_DIR: ${path.resolve(dataDir)} cannot hold the platform's data: ${WHY[code] ?? (error as Error).message}`]);
}
