/** What stops `npm start` at its DATA_DIR, as config errors naming the variable (data-dir-lock.ts). */
import path from 'node:path';
import { ConfigError } from '../kit/config';

export const inUse = (dataDir: string, file: string, pid: number) =>
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
export function unusable(dataDir: string, error: unknown): ConfigError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return new ConfigError([`DATA_DIR: ${path.resolve(dataDir)} cannot hold the platform's data: ${WHY[code] ?? (error as Error).message}`]);
}
