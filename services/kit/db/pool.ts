/**
 * A pg pool whose new connections survive a credential change. Open connections stay authenticated when a password
 * changes or a token expires; only a new one can be refused. When the server refuses one (28P01, or 28000, which
 * RDS answers for a rejected IAM token), the pool asks its password source to refresh and connects again, a few
 * times with growing pauses (about 4 s in all), so a request that needed a new connection waits instead of
 * failing while the source catches up with the database (a rotation between "password changed" and "secret
 * updated"). Anything else fails at once, as before.
 */
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from '../logger';
import { closingOnFailedConnect } from './closing-client';
import type { PasswordSource } from './password-source';
import { markConnectFailed, markConnectionLost } from './unavailable';

export interface PoolSettings {
  /** A full URL; when absent node-postgres reads PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE. */
  readonly connectionString?: string;
  /** Replaces PGUSER (without a URL): the same server and database as another login. */
  readonly user?: string;
  /** Replaces the URL's or PGPASSWORD's password, asked for each new connection. */
  readonly password?: PasswordSource;
  readonly max: number;
  /**
   * Connections older than this are closed once idle and opened again, authenticating afresh: a revoked
   * credential stops being used within this time, and a failover spreads connections again. @default 900
   */
  readonly maxLifetimeSeconds?: number;
  readonly idleTimeoutMillis?: number;
  /**
   * A connection that has carried no byte either way for this long is given up on: its statement fails as the
   * database being unavailable, and the pool opens a new one. A database host that vanished (a failover, an AZ
   * outage) sends no reset, and TCP retransmits for about 15 minutes before the statement fails, holding a pool slot
   * all that time. Longer than idleTimeoutMillis, so an idle connection is closed by the pool first, and than any
   * statement the pool's work may rightly wait on (the app role's statement_timeout; a migration lifts it with
   * withoutSilenceLimit). @default never
   */
  readonly silentConnectionMs?: number;
}

/** SQLSTATEs of a refused login: invalid_password, and invalid_authorization_specification (PAM, so RDS IAM). */
export const REFUSED_LOGIN: ReadonlySet<string> = new Set(['28P01', '28000']);
/** Pauses before each new attempt after a refusal. */
export const REFUSED_LOGIN_RETRIES_MS: readonly number[] = [0, 100, 250, 500, 1_000, 2_000];

type Done = (release?: unknown) => void;
type ConnectCallback = (error: Error | undefined, client: pg.PoolClient | undefined, done: Done) => void;

export class CredentialRefreshingPool extends pg.Pool {
  constructor(
    settings: PoolSettings,
    private readonly source: PasswordSource | undefined,
    private readonly logger: Logger,
  ) {
    super({
      ...(settings.connectionString ? { connectionString: settings.connectionString } : {}),
      ...(settings.user ? { user: settings.user } : {}),
      Client: closingOnFailedConnect(source ? sourcedClient(source) : pg.Client),
      max: settings.max,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: settings.idleTimeoutMillis ?? 30_000,
      maxLifetimeSeconds: settings.maxLifetimeSeconds ?? 900,
    });
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const connected = this.connectRefreshing();
    if (!callback) return connected;
    // pool.query() and drizzle take this form: (error, client, release).
    connected.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | boolean | undefined)),
      (error: Error) => callback(error, undefined, () => {}),
    );
  }

  private async connectRefreshing(): Promise<pg.PoolClient> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return droppedWhenBroken(await super.connect());
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const pause = REFUSED_LOGIN_RETRIES_MS[attempt];
        // A login the server refused is its answer; anything else (refused, timed out, unreachable) is no connection.
        if (typeof code !== 'string' || !REFUSED_LOGIN.has(code)) throw markConnectFailed(error);
        if (!this.source || pause === undefined || this.ending) throw error;
        this.logger.warn({ code, attempt: attempt + 1, source: this.source.description }, 'database refused the credentials: refreshing them');
        this.source.refresh();
        await sleep(pause);
      }
    }
  }
}

/**
 * A checked-out client whose connection fails goes back to the pool at once, which drops it, and any later release
 * is a no-op. drizzle's transaction() runs BEGIN before the `try` whose `finally` releases its client (drizzle-orm
 * issues 6023 and 6241, open in 0.45.4): a BEGIN on a connection that had failed kept the client checked out for
 * good, one pool slot fewer each time, until every request waited out connectionTimeoutMillis. Its release without
 * an error after a failed ROLLBACK would also have put the broken client back in the pool.
 */
function droppedWhenBroken(client: pg.PoolClient): pg.PoolClient {
  const release = client.release;
  // Only a release after the failure's is a no-op: any other second release is still pg-pool's error, a bug.
  let droppedOnFailure = false;
  const dropOnFailure = (error: Error) => {
    droppedOnFailure = true;
    release(error);
  };
  client.once('error', dropOnFailure);
  client.release = (reason?: Error | boolean) => {
    if (droppedOnFailure) return;
    client.removeListener('error', dropOnFailure);
    release(reason);
  };
  return client;
}

/**
 * A client class that asks `source` for its password. Not the pool's `password` option: node-postgres lets a
 * connection string's password (empty when it has none) replace that option, so a URL naming only the user would
 * log in with no password. Set on the client once constructed, it is what the client calls when the server asks.
 */
function sourcedClient(source: PasswordSource): typeof pg.Client {
  return class extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      Object.defineProperty(this, 'password', { configurable: true, enumerable: false, writable: true, value: () => source.password() });
    }
  };
}

/** A pool that refreshes its credentials when the server refuses them; its idle errors are logged, never thrown. */
export function createPool(settings: PoolSettings, logger: Logger, label = 'database'): pg.Pool {
  const pool = new CredentialRefreshingPool(settings, settings.password, logger);
  // An idle client losing its connection (a database restart) must not crash the process.
  pool.on('error', (error) => logger.warn(poolErrorFields(error), `idle ${label} connection failed`));
  // Nor one in use (a transaction or a migration between two statements): pg-pool listens to idle clients only. The
  // holder's next statement fails, and the client goes back to the pool broken, which drops it.
  const inUseFailed = (error: Error) => logger.warn(poolErrorFields(error), `${label} connection in use failed`);
  pool.on('acquire', (client) => client.on('error', inUseFailed));
  if (settings.silentConnectionMs !== undefined) pool.on('connect', (client) => giveUpWhenSilent(client, settings.silentConnectionMs!));
  pool.on('release', (_error, client) => client.removeListener('error', inUseFailed));
  return pool;
}

/** The silence limit of each client that has one (giveUpWhenSilent), for withoutSilenceLimit to put back. */
const silenceLimits = new WeakMap<pg.ClientBase, number>();

const streamOf = (client: pg.ClientBase): Socket => (client as unknown as { connection: { stream: Socket } }).connection.stream;

/** The client's socket ends with an error once silent for `ms`; the client then fails its statement and the pool drops it. */
function giveUpWhenSilent(client: pg.PoolClient, ms: number): void {
  const stream = streamOf(client);
  silenceLimits.set(client, ms);
  stream.setTimeout(ms, () => {
    stream.destroy(markConnectionLost(new Error(`the database connection carried nothing for ${ms} ms: given up on`)));
  });
}

/**
 * Lifts the silence limit (silentConnectionMs) from a checked-out client that may rightly stay silent longer, and
 * returns what puts it back; call that before releasing the client. For migrations on a service's own pool (its
 * login owns its database: migration-login.ts): they wait minutes for another replica's lock, and the owner's
 * statements have no statement_timeout. A client without a limit is left as it is.
 */
export function withoutSilenceLimit(client: pg.ClientBase): () => void {
  const ms = silenceLimits.get(client);
  if (ms === undefined) return () => {};
  const stream = streamOf(client);
  stream.setTimeout(0); // the 'timeout' listener stays, for the limit to come back
  return () => {
    if (!stream.destroyed) stream.setTimeout(ms);
  };
}

/**
 * What to log of a pool's 'error' event: the reason and the SQLSTATE. The error also carries the client it came
 * from (pg-pool sets `err.client`), which logged whole made a 3.6 KB line of connection internals.
 */
export function poolErrorFields(error: Error): { reason: string; code?: string } {
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? { reason: error.message, code } : { reason: error.message };
}
