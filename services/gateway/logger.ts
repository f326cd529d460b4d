/**
 * The gateway's logger: the platform's line format (services/platform/logger.ts), written in batches.
 * One access-log line per request makes the logger a hot path. A write per line cost 5% of the gateway's CPU
 * in a profile, synchronous or not (sonic-boom's async mode still issues one write per line when the output
 * keeps up). Here the lines of one event-loop turn go out in one write, at the end of that turn: under load
 * that is many lines per write, and when traffic is light nothing waits longer than the current turn.
 */
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

export function createGatewayLogger(level: LevelWithSilent = 'info'): Logger {
  return pino(
    {
      level,
      base: { service: 'gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    batchedStdout(),
  );
}

function batchedStdout(): DestinationStream {
  // Synchronous underneath: a batch is written whole before the next turn, and nothing is lost at exit.
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
