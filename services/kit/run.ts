import { ConfigError } from './config';
import { environmentFromLauncher } from './launcher-env';
import { startFailureText } from './start-failure.mjs';

/**
 * Runs a service's start-up and turns a failure into one clear line and exit code 1, instead of an unhandled
 * rejection with a stack trace. A config error prints the variables it names; any other failure its reason, and
 * where it happened only at LOG_LEVEL=debug or trace (start-failure.mjs). Under `npm start` it first waits for the
 * environment the launcher sends once this process's dependencies are up (launcher-env.ts).
 */
export function runMain(service: string, start: () => Promise<void>): void {
  environmentFromLauncher().then(start).catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: cannot start. ${error.message}\n`);
    } else {
      process.stderr.write(startFailureText(service, error));
    }
    process.exit(1);
  });
}
