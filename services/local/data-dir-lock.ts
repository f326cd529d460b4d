/**
 * One `npm start` per DATA_DIR. A second launcher on the same data would take the first one's PostgreSQL for the
 * leftover of a killed launcher and stop it (stopLeftoverPostgres), leaving the running platform without its
 * database; with ports of its own it would run a second server on the same files. The running launcher keeps its
 * pid (with the machine's boot id and its pid namespace, where Linux has them; lock-holder.ts) in DATA_DIR/launcher.pid; another launcher that finds a
 * live one there refuses to start, naming it. A pid left by a launcher that was killed (kill -9), or written
 * before the machine restarted, belongs to no live launcher, and the file is taken over.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, lstatSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeDirectory } from './make-directory';
import { inUse, unusable } from './data-dir-problems';
import { holderLine, isLive, isSameProcess, parseHolder, thisHolder, type Holder } from './lock-holder';

export const LOCK_FILE = 'launcher.pid';

/**
 * Takes DATA_DIR for this process until it exits (the file is removed on any exit but a kill); throws if another
 * launcher has it.
 */
export function lockDataDir(dataDir: string, pid = process.pid, takeWithinMs = TAKE_WITHIN_MS): void {
  try {
    makeDirectory(dataDir); // not mkdirSync's recursive mode, which never returns under /proc (make-directory.ts)
  } catch (error) {
    throw unusable(dataDir, error);
  }
  const file = path.join(dataDir, LOCK_FILE);
  const mine = thisHolder(pid);
  const deadline = Date.now() + takeWithinMs;
  while (Date.now() < deadline) {
    if (createWith(dataDir, file, mine)) {
      process.once('exit', () => releaseDataDir(dataDir, pid));
      return;
    }
    const text = readText(file);
    if (text === undefined) {
      if (isLink(file)) throw unusable(dataDir, Object.assign(new Error(`${file} is a symbolic link to nothing; delete it`), { code: 'ELINK' }));
      continue; // removed since: try to create it again
    }
    const holder = parseHolder(text);
    if (!isSameProcess(holder, mine) && isLive(holder, mine)) throw inUse(dataDir, file, holder.pid);
    if (!removeIfDead(dataDir, file, mine)) pause(10); // another launcher is removing it
  }
  throw new Error(
    `could not take ${file} within ${takeWithinMs / 1000} s: another launcher is taking it over (${file}${GUARD_SUFFIX}); ` +
      'try again, and if no other npm start is running, delete that file',
  );
}

/** How long several launchers started at once may take to settle which one has DATA_DIR. */
const TAKE_WITHIN_MS = 15_000;
const GUARD_SUFFIX = '.takeover';

/** Removes the lock if it is still this process's. */
export function releaseDataDir(dataDir: string, pid = process.pid): void {
  const file = path.join(dataDir, LOCK_FILE);
  try {
    const text = readText(file);
    if (text !== undefined && parseHolder(text).pid === pid) rmSync(file, { force: true });
  } catch {
    // Called on exit: a lock file that cannot be read is left for the next launcher to report.
  }
}

/** The lock file made whole at once (written aside, then linked in): true if it was made, false if one exists. */
function createWith(dataDir: string, file: string, holder: Holder): boolean {
  const aside = `${file}.${holder.pid}.${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(aside, holderLine(holder));
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
 * deleting its file are two steps, so they run under a second file made exclusively, the guard: only its maker
 * deletes a lock file (a live launcher deletes only its own), so the file it found dead cannot be swapped for a live
 * launcher's before the delete. A guard whose maker no longer runs (killed in those microseconds) is deleted; one
 * whose maker runs, however long it has stalled, is waited for.
 */
function removeIfDead(dataDir: string, file: string, mine: Holder): boolean {
  const guard = `${file}${GUARD_SUFFIX}`;
  const ours = holderLine(mine, randomBytes(8).toString('hex'));
  try {
    writeFileSync(guard, ours, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unusable(dataDir, error);
    removeIfMakerDead(guard, mine);
    return false;
  }
  try {
    const text = readText(file);
    const holder = text === undefined ? undefined : parseHolder(text);
    // Our own pid there is a file left by an earlier process that had this pid, or this process's own.
    const dead = holder !== undefined && (isSameProcess(holder, mine) || !isLive(holder, mine));
    if (dead && readText(guard) === ours) rmSync(file, { force: true });
    return true;
  } finally {
    if (readText(guard) === ours) rmSync(guard, { force: true });
  }
}

/** Deletes a guard whose maker no longer runs, unless it changed since it was read. */
function removeIfMakerDead(guard: string, mine: Holder): void {
  const text = readText(guard);
  if (text === undefined) return;
  const maker = parseHolder(text);
  if (!isSameProcess(maker, mine) && isLive(maker, mine)) return;
  if (readText(guard) === text) rmSync(guard, { force: true });
}

/** Blocks this thread for a moment: the lock is taken before anything else starts, so nothing waits on it. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A file's text; undefined if there is no file. */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unusable(path.dirname(file), error);
  }
}

function isLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
