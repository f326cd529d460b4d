import { ConfigError } from './config';
import { environmentFromLauncher } from './launcher-env';

/**
 * Runs a service's start-up and turns a failure into one clear line and exit code 1, instead of an unhandled
 * rejection with a stack trace. A config error prints the variables it names. Under `npm start` it first waits
 * for the environment the launcher sends once this process's dependencies are up (launcher-env.ts).
 */
export function runMain(service: string, start: () => Promise<void>): void {
  environmentFromLauncher().then(start).catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: cannot start. ${error.message}\n`);
    } else {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`${service}: failed to start: ${detail}\n`);
    }
    process.exit(1);
  });
}
