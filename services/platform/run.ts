import { ConfigError } from './config';

/**
 * Runs a service's start-up and turns a failure into one clear line and exit code 1, instead of an unhandled
 * rejection with a stack trace. A config error prints the variables it names.
 */
export function runMain(service: string, start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: cannot start. ${error.message}\n`);
    } else {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`${service}: failed to start: ${detail}\n`);
    }
    process.exit(1);
  });
}
