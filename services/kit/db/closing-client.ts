/**
 * pg 8 leaves a client's socket open when its connect fails on the client's side in the middle of authenticating:
 * a password function that rejects (a PasswordSource whose token or file cannot be had), no password where the
 * server asks for one ("SASL: … client password must be a string"). The server waits for the answer until its
 * authentication_timeout (1 min by default), its backend holding one of max_connections meanwhile, and the socket
 * keeps the process alive; a pool connecting again for every request piled them up. A refusal the server sends
 * (a wrong password) it follows by closing the connection itself, so that case never leaked.
 */
import type { Socket } from 'node:net';
import type pg from 'pg';

/** Connects, or closes the client's socket and throws why it could not. */
export async function connectOrClose(client: pg.Client): Promise<void> {
  await closedOnFailure(client, client.connect());
}

async function closedOnFailure<T>(client: pg.Client, connecting: Promise<T>): Promise<T> {
  try {
    return await connecting;
  } catch (error) {
    await closeSocket(client);
    throw error;
  }
}

/**
 * Destroys the client's socket rather than ending the client: end() sends Terminate and then waits for the server
 * to hang up, for ever when it has gone silent (a host lost in a failover), and a backend waiting for a password
 * logs a Terminate as a FATAL protocol violation where it takes a plain disconnect silently. Resolves once closed.
 */
function closeSocket(client: pg.Client): Promise<void> {
  const stream = (client as unknown as { connection: { stream: Socket } }).connection.stream;
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()).destroy());
}

type ConnectCallback = ((err: Error) => void) | ((err: null, client: pg.Client) => void);

/** `Base` whose failed connects close their socket: for pg-pool, which drops such a client without ending it. */
export function closingOnFailedConnect(Base: typeof pg.Client): typeof pg.Client {
  return class extends Base {
    override connect(): Promise<pg.Client>;
    override connect(callback: ConnectCallback): void;
    override connect(callback?: ConnectCallback): Promise<pg.Client> | void {
      if (!callback) return closedOnFailure(this, super.connect());
      super.connect((error: Error | null) => {
        if (error) void closeSocket(this);
        (callback as (err: Error | null, client: pg.Client) => void)(error, this);
      });
    }
  };
}
