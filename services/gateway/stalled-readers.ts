/**
 * A deadline on the client's side of each answer. A client that sends requests and stops reading the answers
 * holds them: backpressure stops undici reading the service's answer, so its upstream connection stays taken
 * (undici's body timeout does not run while the stream is paused), and node's own deadlines only cover what the
 * client sends. So each connection with bytes waiting for its client must see some of them taken within
 * `sendTimeoutMs`, or it is cut: its answers close, which aborts their upstream requests (upstream.ts) and frees
 * their buffers. A slow reader that keeps taking bytes is never cut, however long its answer takes.
 *
 * What is buffered per connection meanwhile is bounded by backpressure, not here: undici stops reading the
 * service once the client's socket holds its high-water mark, and node stops parsing pipelined requests then.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { checkingIntervalFor } from '../kit/http/serve';
import type { Logger } from '../kit/logger';

interface Progress {
  /** Bytes of this connection's answers the kernel has taken (written out, not just queued). */
  taken: number;
  /** When `taken` last moved, or the connection last had nothing waiting. */
  since: number;
}

export function cutStalledReaders(server: Server, sendTimeoutMs: number, logger: Logger): void {
  const open = new Map<Socket, Progress>();
  server.on('connection', (socket: Socket) => {
    open.set(socket, { taken: 0, since: performance.now() });
    socket.once('close', () => open.delete(socket));
  });
  // One sweep for all connections, as node checks its own deadlines, rather than a timer per write.
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const [socket, progress] of open) cutIfStalled(socket, progress, now);
  }, checkingIntervalFor(sendTimeoutMs)).unref();
  server.once('close', () => clearInterval(sweep));

  function cutIfStalled(socket: Socket, progress: Progress, now: number): void {
    if (socket.destroyed) return;
    const waiting = socket.writableLength;
    // bytesWritten counts what is queued too; less what still waits, it is what the kernel has taken.
    const taken = socket.bytesWritten - waiting;
    if (waiting === 0 || taken !== progress.taken) {
      progress.taken = taken;
      progress.since = now;
      return;
    }
    if (now - progress.since < sendTimeoutMs) return;
    logger.info({ client: socket.remoteAddress, waitingBytes: waiting, sendTimeoutMs }, 'cut a connection whose client stopped reading its answers');
    socket.destroy();
  }
}
