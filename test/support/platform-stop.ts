/** Stops a running `npm start` one way or another, then gathers what a test checks about how it went. */
import { leftovers, type Leftovers } from './leftovers';
import type { Ended, PlatformProcess } from '../../harness/platform-process';

export interface AfterStop {
  /** How npm ended. */
  readonly ended: Ended;
  readonly output: string;
  /** Warnings and errors: the launcher's `!` and `✘` lines, JSON lines at warn or above, npm's own errors. */
  readonly complaints: string[];
  readonly left: Leftovers;
}

const COMPLAINT = /^\s+[!✘] |"level":"(warn|error|fatal)"|^npm (error|ERR!)/;

/** Runs `send`, waits until npm has ended and nothing holds the output open, then looks for what is left. */
export async function stopAndInspect(platform: PlatformProcess, dataDir: string, send: () => void): Promise<AfterStop> {
  send();
  const [ended] = await Promise.all([platform.ended, platform.outputClosed]);
  return {
    ended,
    output: platform.output.join('\n'),
    complaints: platform.output.filter((line) => COMPLAINT.test(line)).map((line) => line.slice(0, 300)),
    left: await leftovers(platform.ports, platform.pid, dataDir),
  };
}
