import { ConfigError } from './config';
import { environmentFromLauncher, isStartedByLauncher } from './launcher-env';
import { startFailureText } from './start-failure.mjs';

export interface RunOptions {
  /** Read by a person in a terminal (the launcher itself), as a process `npm start` runs is. @default false */
  readonly forTerminal?: boolean;
}

/**
 * Runs a service's start-up and turns a failure into one clear line and exit code 1, instead of an unhandled
 * rejection. A config error prints the variables it names; any other failure its reason. Under `npm start` (a
 * person reading a terminal) where it happened is shown only at LOG_LEVEL=debug or trace (start-failure.mjs);
 * anywhere else (ECS, whose log is all an operator has of a task that stopped) always. Under `npm start` it first
 * waits for the environment the launcher sends once this process's dependencies are up (launcher-env.ts).
 */
export function runMain(service: string, start: () => Promise<void>, { forTerminal = false }: RunOptions = {}): void {
  environmentFromLauncher().then(start).catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: cannot start. ${error.message}\n`);
    } else {
      process.stderr.write(startFailureText(service, error, forTerminal || isStartedByLauncher() ? process.env.LOG_LEVEL : 'debug'));
    }
    process.exit(1);
  });
}
