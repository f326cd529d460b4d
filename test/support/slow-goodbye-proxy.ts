/**
 * A TCP proxy on loopback that passes a client's goodbye on late: its PostgreSQL Terminate message and the end of
 * its stream reach the server `holdMs` after the client sent them, while everything else passes at once. So the
 * server keeps the session until then, and the client's socket closes only once the server has closed its own: a
 * test sees a session still held after the client said goodbye, however fast the server would have let it go.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { trackPair } from './proxy-pair';

/** The frontend's Terminate message: 'X' and a length of 4. */
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);

export interface SlowGoodbyeProxy {
  readonly port: number;
  close(): Promise<void>;
}

export async function startSlowGoodbyeProxy(target: { host: string; port: number }, holdMs: number): Promise<SlowGoodbyeProxy> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ port: target.port, host: target.host, allowHalfOpen: true });
    trackPair(client, upstream, sockets);
    // In order: a held goodbye holds back what the client sends after it too.
    let sent = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      const goodbye = chunk.subarray(-TERMINATE.length).equals(TERMINATE);
      sent = sent.then(async () => {
        if (goodbye) await sleep(holdMs);
        upstream.write(chunk);
      });
    });
    client.on('end', () => {
      sent = sent.then(async () => {
        await sleep(holdMs);
        upstream.end();
      });
    });
    // The server's close reaches the client as it comes.
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
