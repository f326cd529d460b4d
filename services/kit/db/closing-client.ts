/**
 * pg 8 leaves a client's socket open when its connect fails on the client's side in the middle of authenticating:
 * a password function that rejects (a PasswordSource whose token or file cannot be had), no password where the
 * server asks for one ("SASL: … client password must be a string"). The server waits for the answer until its
 * authentication_timeout (1 min by default), its backend holding one of max_connections meanwhile, and the socket
 * keeps the process alive; a pool connecting again for every request piled them up. A refusal the server sends
 * (a wrong password) it follows by closing the connection itself, so that case never leaked.
 */
import type pg from 'pg';

/** Connects, or closes the client's socket and throws why it could not. */
export async function connectOrClose(client: pg.Client): Promise<void> {
  await closedOnFailure(client, client.connect());
}

async function closedOnFailure<T>(client: pg.Client, connecting: Promise<T>): Promise<T> {
  try {
    return await connecting;
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
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
        if (error) void this.end().catch(() => {});
        (callback as (err: Error | null, client: pg.Client) => void)(error, this);
      });
    }
  };
}
