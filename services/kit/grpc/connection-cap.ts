/**
 * The cap on the connections an internal RPC server holds at once (Product: PRODUCT_GRPC_MAX_CONNECTIONS). Each one
 * costs a file descriptor, a session and up to `maxSessionMemory` of nghttp2's buffers, and every other limit is per
 * connection: a caller that opened connection after connection, each within those limits, held as many as it liked.
 * net.Server's own `maxConnections` closes a connection past the cap as soon as it is accepted, before node makes a
 * session for it: nothing is read from it and nothing is answered. Only Billing calls this port, through a few
 * Service Connect proxy connections (or one connection offline), far below any sensible cap.
 */
import type { Server } from 'node:net';
import type { Logger } from '../logger';

export const DEFAULT_GRPC_MAX_CONNECTIONS = 256;

/** At most one warning this often while the cap refuses connections: a flood must not flood the log. */
const WARNING_EVERY_MS = 10_000;

export function capConnections(server: Server, max: number, logger: Logger, warnEveryMs = WARNING_EVERY_MS): void {
  server.maxConnections = max;
  let refused = 0;
  /** Set while a warning was just written: refusals meanwhile are counted and told when it ends. */
  let quiet: NodeJS.Timeout | undefined;
  const warn = () => {
    quiet = undefined;
    if (refused === 0) return;
    logger.warn({ maxConnections: max, refused }, 'grpc: at the connection cap: new connections are closed unanswered');
    refused = 0;
    // Told when the period ends, not only if one more comes after it: a flood that stopped within it went unsaid.
    quiet = setTimeout(warn, warnEveryMs).unref();
  };
  // node emits 'drop' for each connection it closes at the cap.
  server.on('drop', () => {
    refused += 1;
    if (!quiet) warn();
  });
  server.once('close', () => clearTimeout(quiet));
}
