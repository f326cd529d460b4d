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
      serializers: { err: errorForLog },
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
 * An error as its log line shows it. pg-pool attaches the failed connection to its errors (`err.client`):
 * serialized whole, that is kilobytes of socket and parser state. drizzle's query errors carry the statement's
 * parameters (`params`, and again in the message): a user's email or name, and for a 100-line invoice tens of
 * kilobytes, which the container's log driver would split past 16 KB into pieces that are no longer JSON (and that
 * the deployment alarm's filter cannot read). Both are left out, and any text is cut at FIELD_MAX characters.
 * Causes are kept as objects of their own (errWithCause), so the driver's SQLSTATE under a query error is a field.
 */
function errorForLog(error: Error): Record<string, unknown> {
  return trimmed(pino.stdSerializers.errWithCause(error), 0) as Record<string, unknown>;
}

const FIELD_MAX = 2_000;
/** drizzle's query errors end their message with the statement's parameters. */
export const PARAMS_IN_MESSAGE = /\nparams: [^\n]*/g;

function trimmed(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    const text = value.replace(PARAMS_IN_MESSAGE, '\nparams: (not logged)');
    return text.length > FIELD_MAX ? `${text.slice(0, FIELD_MAX)}… (${text.length} characters)` : text;
  }
  if (typeof value !== 'object' || value === null || depth > 4) return value;
  if (Array.isArray(value)) return value.slice(0, 20).map((item) => trimmed(item, depth + 1));
  const { client: _client, params: _params, ...fields } = value as Record<string, unknown>;
  return Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, trimmed(field, depth + 1)]));
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
