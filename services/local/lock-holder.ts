/**
 * Who holds a lock file of the launcher, and whether that holder still runs: a pid, with the machine's boot id and
 * the pid namespace it was written in (Linux; empty elsewhere). A pid from another boot belongs to no live process;
 * a pid from another namespace (another container sharing the folder) cannot be judged from here, so it counts as
 * live.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { isAlive } from './process-alive';

export interface Holder {
  readonly pid: number;
  readonly bootId: string;
  readonly pidNamespace: string;
}

/** This process, as a lock file names it. */
export function thisHolder(pid = process.pid): Holder {
  return { pid, bootId: bootId(), pidNamespace: pidNamespace() };
}

export const holderLine = (holder: Holder, extra = '') => `${holder.pid} ${holder.bootId || '-'} ${holder.pidNamespace || '-'}${extra ? ` ${extra}` : ''}\n`;

/** The holder a lock file's text names (older files have only the pid, or the pid and the boot id). */
export function parseHolder(text: string): Holder {
  const [pid, boot = '', namespace = ''] = text.trim().split(/\s+/);
  const known = (value: string) => (value === '-' ? '' : value);
  return { pid: Number(pid), bootId: known(boot), pidNamespace: known(namespace) };
}

/** Whether `holder` may be the process `mine` is: the same pid, seen from the same namespace. */
export const isSameProcess = (holder: Holder, mine: Holder) => holder.pid === mine.pid && holder.pidNamespace === mine.pidNamespace;

/** A holder still running, as far as this process can tell (see above). */
export function isLive(holder: Holder, mine: Holder): boolean {
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  if (holder.bootId && mine.bootId && holder.bootId !== mine.bootId) return false;
  if (holder.pidNamespace && mine.pidNamespace && holder.pidNamespace !== mine.pidNamespace) return true;
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

/** Linux's name of this process's pid namespace (`pid:[4026531836]`); empty elsewhere. */
function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}
