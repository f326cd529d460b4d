/**
 * Holds one connection LISTENing on a channel and calls back on every notification. A lost connection (database
 * restart) is replaced after a pause; the callback also fires on every (re)connect, because notifications sent
 * while disconnected are gone. The relay's periodic sweep covers the gap either way.
 */
import type pg from 'pg';
import type { Logger } from '../logger';
import { backoffDelay, describeError, sleep } from '../bus/backoff';

export interface Listener {
  close(): Promise<void>;
}

export function listen(pool: pg.Pool, channel: string, onNotify: () => void, logger: Logger): Listener {
  const closing = new AbortController();
  let lost: (() => void) | undefined;

  async function holdOnce(): Promise<void> {
    const connection = await pool.connect();
    const gone = new Promise<void>((resolve) => (lost = resolve));
    connection.on('notification', onNotify);
    connection.on('error', (error) => {
      logger.warn({ channel, reason: describeError(error) }, 'notification connection lost');
      lost?.();
    });
    try {
      await connection.query(`LISTEN ${connection.escapeIdentifier(channel)}`);
      onNotify();
      await gone;
    } finally {
      connection.removeListener('notification', onNotify);
      // Always discarded: a connection that was LISTENing must not go back to the pool.
      connection.release(true);
    }
  }

  const running = (async () => {
    for (let failures = 0; !closing.signal.aborted; ) {
      try {
        await holdOnce();
        failures = 0;
      } catch (error) {
        failures++;
        logger.warn({ channel, reason: describeError(error), failures }, 'cannot listen for notifications');
      }
      await sleep(backoffDelay({ base: 200, max: 5_000 }, failures), closing.signal);
    }
  })();

  return {
    async close() {
      closing.abort();
      lost?.();
      await running;
    },
  };
}
