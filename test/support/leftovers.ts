/** What a stopped `npm start` must not leave behind: open ports, and processes of its group or its DATA_DIR. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { listening } from './listening';

export interface Leftovers {
  readonly openPorts: number[];
  /** `ps` lines of live processes (zombies aside) in the process group, or naming the data directory. */
  readonly processes: string[];
}

/**
 * Every part the launcher starts inherits DATA_DIR in its environment or names the directory in its arguments
 * (PostgreSQL's `-D`), whatever process group it runs in; the group holds npm, the launcher and their helpers.
 */
export async function leftovers(ports: Record<string, number>, processGroup: number, dataDir: string): Promise<Leftovers> {
  const open = await Promise.all(Object.values(ports).map(async (port) => ((await listening(port)) ? [port] : [])));
  // A part that has closed its output may still be exiting (`ps` shows it running as `[node]`, its command line
  // already gone): it is given up to 2 s to be gone; one that stays is left running.
  let processes = await groupProcesses(processGroup, dataDir);
  for (let tries = 0; processes.length > 0 && tries < 20; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    processes = await groupProcesses(processGroup, dataDir);
  }
  return { openPorts: open.flat(), processes };
}

async function groupProcesses(processGroup: number, dataDir: string): Promise<string[]> {
  // `e`: each command line is followed by its environment.
  const { stdout } = await promisify(execFile)('ps', ['axeww', '-o', 'pid=,pgid=,stat=,args='], { maxBuffer: 64 * 1024 * 1024 });
  const processes = stdout.split('\n').filter((line) => {
    const [pid, pgid, stat] = line.trim().split(/\s+/);
    if (!pid || Number(pid) === process.pid || stat?.startsWith('Z')) return false;
    return Number(pgid) === processGroup || line.includes(dataDir);
  });
  return processes.map((line) => line.slice(0, 200));
}
