import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { watchServer, type ServerWatch } from '../../../services/local/database-url-watch';
import { eventually } from '../../support/within';

/** PostgreSQL's AuthenticationOk then ReadyForQuery (idle): a login accepted, as by a pooler waiting for its server. */
const LOGGED_IN = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0, 0x5a, 0, 0, 0, 5, 0x49]);

/**
 * A real TCP listener on loopback that accepts every connection and then says nothing (`afterLogin`: nothing after
 * accepting the login). It counts the connections still open, as seen from its side.
 */
async function listenSilently(afterLogin = false): Promise<{ url: string; accepted: () => number; open: () => number }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.once('data', () => void (afterLogin && socket.write(LOGGED_IN)));
    socket.resume(); // reads, so that the client's close is seen
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  listeners.push({ server, sockets });
  const { port } = server.address() as AddressInfo;
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, accepted: () => sockets.length, open: () => sockets.filter((s) => !s.closed).length };
}

let watch: ServerWatch | undefined;
const listeners: { server: Server; sockets: Socket[] }[] = [];
afterEach(async () => {
  watch?.stop();
  for (const { server, sockets } of listeners.splice(0)) {
    sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('the DATABASE_URL server watch', { timeout: 15_000 }, () => {
  for (const [silence, afterLogin] of [['accepts the connection and never answers', false], ['accepts the login, then never answers the query', true]] as const) {
    it(`when the server ${silence}, then the watch says it gave no answer within the probe's time, and leaves no probe connection open`, async () => {
      const silent = await listenSilently(afterLogin);
      const said: string[] = [];
      watch = watchServer(silent.url, 'postgres (DATABASE_URL)', { down: (m) => said.push(m), up: (m) => said.push(m) }, 300);
      await eventually('the watch saying the server does not answer', () => said.length > 0, 5_000);
      expect(said).toEqual(['postgres (DATABASE_URL) does not answer (no answer within 0.3 s): the services answer 503 until it is back, and reconnect by themselves']);
      await eventually('a further probe', () => silent.accepted() >= 3, 5_000); // it goes on watching
      expect(silent.open()).toBeLessThanOrEqual(1); // the probe under way, if any; each earlier one was closed
    });
  }

  it('when the watch stops while a probe waits on a silent server, then the probe\'s connection is closed at once', async () => {
    const silent = await listenSilently(true);
    watch = watchServer(silent.url, 'postgres', { down: () => {}, up: () => {} }, 200);
    await eventually('a probe connected', () => silent.accepted() === 1, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 100)); // logged in, waiting for SELECT 1's answer
    watch.stop();
    // Not at the probe's deadline: after npm start's stop nothing of the watch may keep its process alive.
    await eventually('the probe connection closed', () => silent.open() === 0, 150);
  });
});
