/**
 * JSON lines on stdout. Every line names the service, and a line logged while serving a request or handling an
 * event carries its request id (from the request context), so interleaved output from several processes stays
 * readable and one request can be followed across services.
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { currentContext } from './context';

export type { Logger };

export interface LoggerOptions {
  readonly service: string;
  readonly level?: LevelWithSilent;
}

/** One per process: every logger shares stdout and its batching. */
let stdout: DestinationStream | undefined;

export function createLogger({ service, level = 'info' }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: errorWithoutClient },
      mixin: () => {
        const context = currentContext();
        if (!context) return {};
        return context.traceparent ? { requestId: context.requestId, traceparent: context.traceparent } : { requestId: context.requestId };
      },
    },
    (stdout ??= batchedStdout()),
  );
}

/**
 * pg-pool attaches the failed connection to its errors (`err.client`): serialized whole, that is kilobytes of
 * socket and parser state in one log line. Everything else about the error is kept.
 */
function errorWithoutClient(error: Error): Record<string, unknown> {
  const { client: _client, ...fields } = pino.stdSerializers.err(error);
  return fields;
}

/**
 * One access-log line per request makes the logger a hot path, and a write per line cost about 5% of the
 * gateway's CPU in a profile (sonic-boom's async mode still writes once per line while the output keeps up).
 * Here the lines of one event-loop turn go out in one synchronous write at the end of that turn: under load that
 * is many lines per write, when traffic is light nothing waits longer than the current turn, and nothing is lost
 * at exit.
 */
function batchedStdout(): DestinationStream {
  const out = pino.destination({ dest: 1, sync: true });
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunk = pending.join('');
    pending = [];
    out.write(chunk);
  };
  process.once('exit', flush);
  return {
    write(line: string) {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
}
