/**
 * One `npm start` per DATA_DIR. A second launcher on the same data would take the first one's PostgreSQL for the
 * leftover of a killed launcher and stop it (stopLeftoverPostgres), leaving the running platform without its
 * database; with ports of its own it would run a second server on the same files. The running launcher keeps its
 * pid (and the machine's boot id, where Linux has one) in DATA_DIR/launcher.pid; another launcher that finds a
 * live one there refuses to start, naming it. A pid left by a launcher that was killed (kill -9), or written
 * before the machine restarted, belongs to no live launcher, and the file is taken over.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../kit/config';
import { isAlive } from './process-alive';

export const LOCK_FILE = 'launcher.pid';

interface Holder {
  readonly pid: number;
  readonly bootId: string;
}

/** Takes DATA_DIR for this process until it exits (the file is removed on any exit but a kill); throws if another launcher has it. */
export function lockDataDir(dataDir: string, pid = process.pid): void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw unusable(dataDir, error);
  }
  const file = path.join(dataDir, LOCK_FILE);
  const mine: Holder = { pid, bootId: bootId() };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (createWith(dataDir, file, mine)) {
      process.once('exit', () => releaseDataDir(dataDir, pid));
      return;
    }
    const holder = readHolder(file);
    if (holder && holder.pid !== pid && isLive(holder, mine.bootId)) throw inUse(dataDir, file, holder.pid);
    takeOver(dataDir, file, holder, mine.bootId);
  }
  throw new Error(`could not take ${file}: other launchers keep taking it at the same moment`);
}

/** Removes the lock if it is still this process's. */
export function releaseDataDir(dataDir: string, pid = process.pid): void {
  const file = path.join(dataDir, LOCK_FILE);
  if (readHolder(file)?.pid === pid) rmSync(file, { force: true });
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
 * Moves a dead holder's file aside and deletes it; if what was moved is a live launcher's (it took the file over
 * between our reading and our move), puts it back and refuses.
 */
function takeOver(dataDir: string, file: string, seen: Holder | undefined, thisBoot: string): void {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // gone already: try to create it again
    throw unusable(dataDir, error);
  }
  const moved = readHolder(aside);
  try {
    if (moved && moved.pid !== seen?.pid && isLive(moved, thisBoot)) {
      linkSync(aside, file);
      throw inUse(dataDir, file, moved.pid);
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

function readHolder(file: string): Holder | undefined {
  try {
    const [pid, boot = ''] = readFileSync(file, 'utf8').trim().split(/\s+/);
    return { pid: Number(pid), bootId: boot };
  } catch {
    return undefined;
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
  ENOENT: 'its path cannot be made (a missing or read-only mount?)',
};

/** Why DATA_DIR cannot hold the platform's data, as a config error naming it. */
function unusable(dataDir: string, error: unknown): ConfigError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return new ConfigError([`DATA_DIR: ${path.resolve(dataDir)} cannot hold the platform's data: ${WHY[code] ?? (error as Error).message}`]);
}
