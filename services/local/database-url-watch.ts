/**
 * A DATABASE_URL server is not ours to stop the platform for (it may restart for maintenance, and the services
 * reconnect by themselves), but npm start should say when it goes away and when it is back: otherwise the only
 * news is each service's JSON warnings and 503s. One probe connection as the admin every few seconds; a line
 * when the answer changes, none while it stays the same.
 */
import pg from 'pg';
import { describeError } from '../kit/bus/describe-error';

export const WATCH_INTERVAL_MS = 3_000;

export interface ServerWatch {
  stop(): void;
}

export function watchServer(
  serverUrl: string,
  shownAs: string,
  say: { down: (message: string) => void; up: (message: string) => void },
  intervalMs = WATCH_INTERVAL_MS,
): ServerWatch {
  let answering = true;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const probe = async () => {
    const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: intervalMs, application_name: 'platform-launcher-watch' });
    client.on('error', () => {}); // a connection dropped between probes is the next probe's news
    const failure = await client.connect().then(() => client.query('SELECT 1')).then(() => undefined, (error: unknown) => describeError(error));
    await client.end().catch(() => {});
    if (stopped) return;
    if (failure !== undefined && answering) say.down(`${shownAs} does not answer (${failure}): the services answer 503 until it is back, and reconnect by themselves`);
    if (failure === undefined && !answering) say.up(`${shownAs} answers again`);
    answering = failure === undefined;
    timer = setTimeout(() => void probe(), intervalMs).unref();
  };
  timer = setTimeout(() => void probe(), intervalMs).unref();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
