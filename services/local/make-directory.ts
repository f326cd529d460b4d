/**
 * `mkdir -p`, without Node.js's `mkdirSync(dir, { recursive: true })`: that one never returns (it spins at full
 * CPU, in C++, where no timer can stop it) on a path whose parent exists but cannot hold it, as under /proc, where
 * mkdir answers ENOENT ("no parent") although the parent is there: it makes the parent (EEXIST), tries the child
 * again, and so on forever. Here a child that still answers ENOENT once its parent exists is an error.
 */
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Makes `dir` and any missing parents; throws the file system's error (with its code) if one cannot be made. */
export function makeDirectory(dir: string): void {
  makeWithParents(path.resolve(dir), false);
}

function makeWithParents(dir: string, parentMade: boolean): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && isDirectory(dir)) return;
    const parent = path.dirname(dir);
    if (code !== 'ENOENT' || parentMade || parent === dir) throw error;
    makeWithParents(parent, false);
    makeWithParents(dir, true); // once: a second ENOENT is the answer, not a missing parent
  }
}

/** A folder, or a link to one; false for a file or a dangling link (EEXIST then stands). */
function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
