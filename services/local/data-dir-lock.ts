/**
 * One `npm start` per DATA_DIR. A second launcher on the same data would take the first one's PostgreSQL for the
 * leftover of a killed launcher and stop it (stopLeftoverPostgres), leaving the running platform without its
 * database; with ports of its own it would run a second server on the same files. The running launcher keeps its
 * pid in DATA_DIR/launcher.pid; another launcher that finds a live pid there refuses to start, naming it. A pid
 * left by a launcher that was killed (kill -9) belongs to no live process, and the file is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../kit/config';
import { isAlive } from './process-alive';

export const LOCK_FILE = 'launcher.pid';

/** Takes DATA_DIR for this process until it exits (the file is removed on any exit but a kill); throws if another launcher has it. */
export function lockDataDir(dataDir: string, pid = process.pid): void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw unusable(dataDir, error);
  }
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(file, `${pid}\n`, { flag: 'wx' }); // fails if the file exists: two launchers cannot both win
      process.once('exit', () => releaseDataDir(dataDir, pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unusable(dataDir, error);
    }
    const holder = Number(readFileSync(file, 'utf8').trim());
    if (holder && holder !== pid && isAlive(holder)) {
      throw new ConfigError([
        `DATA_DIR: ${path.resolve(dataDir)} is in use by another npm start (pid ${holder}); stop that one first, or set DATA_DIR to another folder` +
          ` (if no npm start is running, delete ${file})`,
      ]);
    }
    rmSync(file, { force: true }); // a killed launcher's, or our own from before an exec
  }
  throw new Error(`could not take ${file}: another launcher took it at the same moment`);
}

/** Removes the lock if it is still this process's. */
export function releaseDataDir(dataDir: string, pid = process.pid): void {
  const file = path.join(dataDir, LOCK_FILE);
  try {
    if (Number(readFileSync(file, 'utf8').trim()) === pid) rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

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
