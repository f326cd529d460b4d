/**
 * What `npm start` says when the platform fails to start after the checks: why (the failed part's reason, its last
 * lines when they were piped), then what to do. A config error found on the way (a DATABASE_URL refused) has said
 * its piece, and passes unchanged.
 */
import { ConfigError } from '../kit/config';
import { reasonOf, StartFailure, tryAgain } from '../kit/start-failure.mjs';
import type { LocalConfig } from './config';
import { takenPorts } from './ports';

/**
 * Every part is stopped by now, so a port of npm start's own that something holds was taken by another program
 * after assertPortsFree looked: the part that found it taken says only that it exited, the port's variable is what
 * the user can change.
 */
export async function whyStartFailed(error: unknown, config: LocalConfig): Promise<unknown> {
  if (error instanceof ConfigError) return error;
  const taken = await takenPorts(config);
  const whatToDo =
    taken.length === 0
      ? tryAgain('npm start')
      : taken.map(([name, port]) => `${name}: port ${port} on 127.0.0.1 was taken by another program after npm start checked it; stop what holds it, or set ${name} to a free port.`).join('\n');
  return new StartFailure(reasonOf(error), whatToDo, { cause: error });
}
