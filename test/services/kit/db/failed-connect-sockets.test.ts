/**
 * A connect that fails must not leave its socket open. pg 8 closes it when the server refuses the login (the server
 * hangs up), but not when the failure is the client's own in the middle of authenticating (closing-client.ts). A
 * proxy in front of a server that asks for passwords counts the connections still open after each failure.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closingOnFailedConnect, connectOrClose } from '../../../../services/kit/db/closing-client';
import { createPool } from '../../../../services/kit/db/pool';
import { adminFromUrl, provisionDatabases, urlOfDatabase } from '../../../../services/kit/db/provision';
import { ensureDatabase } from '../../../../services/local/embedded-postgres';
import { passwordCheckingServer, type PasswordCheckingServer } from '../../../support/database-passwords';
import { testLogger } from '../../../support/silent-logger';
import { startSilentProxy, type SilentProxy } from '../../../support/silent-proxy';
import { within } from '../../../support/within';

let server: PasswordCheckingServer;
let proxy: SilentProxy;
beforeAll(async () => {
  server = await passwordCheckingServer();
  const { hostname, port } = new URL(server.url);
  proxy = await startSilentProxy({ host: hostname, port: Number(port) });
});
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});

/** The server's admin through the proxy, with this password, or with none. */
function throughProxy(password: string | undefined): string {
  const url = new URL(server.url);
  url.port = String(proxy.port);
  url.password = password ?? '';
  return url.toString();
}

/**
 * The proxy's connections still open once a closed one has had time to say so (unclosed, they stay a minute). Up to
 * 5 s, spent only when one stays: a loaded CI host can take longer than a second to get round to a close.
 */
async function leftOpen(): Promise<number> {
  const deadline = Date.now() + 5_000;
  while (proxy.connections > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return proxy.connections;
}

const failure = (attempt: Promise<unknown>) => attempt.then(() => 'no error', (error: Error) => error.message);

describe('sockets of connects that fail', () => {
  it('when the server refuses a wrong password, then pg closes the socket itself (the server hangs up)', async () => {
    const client = new pg.Client({ connectionString: urlOfDatabase(throughProxy('certainly-wrong'), 'postgres') });
    expect(await failure(client.connect())).toMatch(/password authentication failed/);
    expect(await leftOpen()).toBe(0);
  });

  it('when a pool\'s password source fails while the server waits for the password, then each failed connect closes its socket', async () => {
    const source = { description: 'a source that cannot get its token', password: () => Promise.reject(new Error('no token today')), refresh: () => {} };
    const pool = createPool({ connectionString: urlOfDatabase(throughProxy(undefined), 'postgres'), password: source, max: 2 }, testLogger);
    try {
      for (let attempt = 0; attempt < 3; attempt++) expect(await failure(pool.query('SELECT 1'))).toMatch(/no token today/);
      expect(await leftOpen()).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('when a pool has no password and the server asks for one, then each failed connect closes its socket', async () => {
    const pool = createPool({ connectionString: urlOfDatabase(throughProxy(undefined), 'postgres'), max: 2 }, testLogger);
    try {
      expect(await failure(pool.query('SELECT 1'))).toMatch(/client password must be a string/);
      expect(await leftOpen()).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('when provisioning\'s admin URL has no password and the server asks for one, then provisioning fails with its socket closed', async () => {
    const spec = { database: 't_sockets_never', role: 't_sockets_never_service' };
    expect(await failure(provisionDatabases(adminFromUrl(throughProxy(undefined)), [spec]))).toMatch(/client password must be a string/);
    expect(await leftOpen()).toBe(0);
  });

  it('when ensureDatabase (the benchmarks\') connects without a password the server asks for, then it fails with its socket closed', async () => {
    expect(await failure(ensureDatabase(throughProxy(undefined), 't_sockets_never'))).toMatch(/client password must be a string/);
    expect(await leftOpen()).toBe(0);
  });

  it('when the server goes silent while the client fails its own password step, then connectOrClose still fails at once, its socket closed', async () => {
    // A graceful end (Terminate, then waiting for the server to hang up) waited for a host that no longer answers.
    const password = () => {
      proxy.freeze();
      return Promise.reject(new Error('no token today'));
    };
    const client = new pg.Client({ connectionString: urlOfDatabase(throughProxy(undefined), 'postgres') });
    // Set once constructed, as pool.ts's sourcedClient does: the URL's empty password would replace the option.
    Object.defineProperty(client, 'password', { value: password, writable: true });
    try {
      expect(await within(2_000, 'the connect failing', failure(connectOrClose(client)))).toMatch(/no token today/);
    } finally {
      proxy.thaw();
    }
    expect(await leftOpen()).toBe(0);
  });

  it('when a closing client connects, then it is an ordinary client: it queries and ends', async () => {
    const Client = closingOnFailedConnect(pg.Client);
    const client = new Client({ connectionString: urlOfDatabase(server.url, 'postgres') });
    await client.connect();
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await client.end();
  });
});
