import { execFileSync } from 'node:child_process';

/**
 * The pid of the process listening on 127.0.0.1:port, for a test that kills a part whose handle does not show its
 * pid (the emulators `npm start` runs). `ss` shows it for this user's processes.
 */
export function listenerPid(port: number): number {
  const line = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const pid = /pid=(\d+)/.exec(line)?.[1];
  if (!pid) throw new Error(`nothing of ours listens on port ${port}: ${line.trim() || 'no listener'}`);
  return Number(pid);
}
