import { pino, type Logger, type LevelWithSilent } from 'pino';
import { currentContext } from './context';

export type { Logger };

export interface LoggerOptions {
  readonly service: string;
  readonly level?: LevelWithSilent;
}

/** JSON lines on stdout; every line names the service, so interleaved local output stays readable. */
export function createLogger({ service, level = 'info' }: LoggerOptions): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Any line logged while serving a request or handling an event carries its request id.
    mixin: () => {
      const context = currentContext();
      return context ? { requestId: context.requestId } : {};
    },
  });
}
