/** A pino logger with createLogger's mixin (the request id from the context) whose lines the test can read. */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { currentContext } from '../../../services/kit/context';

export interface CapturedLogs {
  readonly logger: Logger;
  readonly lines: Array<Record<string, unknown>>;
}

export function captureLogs(): CapturedLogs {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = pino(
    {
      level: process.env.LOG_LEVEL ?? 'info',
      mixin: () => {
        const context = currentContext();
        return context ? { requestId: context.requestId } : {};
      },
    },
    sink,
  );
  return { logger, lines };
}
