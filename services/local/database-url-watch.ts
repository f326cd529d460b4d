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
  let inFlight: pg.Client | undefined;
  const probe = async () => {
    const client = (inFlight = new pg.Client({ connectionString: serverUrl, application_name: 'platform-launcher-watch' }));
    const failure = await probeOnce(client, intervalMs);
    inFlight = undefined;
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
      // A probe waiting on a silent server holds a socket that would keep npm start's process alive after its stop.
      inFlight?.connection.stream.destroy();
    },
  };
}

/**
 * Connects, runs SELECT 1 and says goodbye, all within timeoutMs; undefined when it did, else why not. The one
 * deadline covers every step: connectionTimeoutMillis ends only the connect, and a server (or a proxy in front of
 * it) that completes the handshake then stays silent would hold the query, and end() after it, for ever: the
 * watch would stop watching without a word. At the deadline the socket is destroyed, which no server can hold.
 */
async function probeOnce(client: pg.Client, timeoutMs: number): Promise<string | undefined> {
  client.on('error', () => {}); // a connection dropped between probes is the next probe's news
  let deadline: NodeJS.Timeout | undefined;
  const timedOut = new Promise<string>((resolve) => {
    deadline = setTimeout(() => resolve(`no answer within ${timeoutMs / 1000} s`), timeoutMs).unref();
  });
  const answered = client
    .connect()
    .then(() => client.query('SELECT 1'))
    .then(() => client.end())
    .then(() => undefined, (error: unknown) => describeError(error));
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(deadline);
    client.connection.stream.destroy();
  }
}
