/**
 * Requests connect-es fails as if the server were at fault (an exception out of the stream's event, which ends the
 * process; INTERNAL) or waits on for ever, checked before it reads them and ended as the caller's mistake they are.
 */
import { constants, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { base64Decode } from '@bufbuild/protobuf/wire';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';

/**
 * connect-node builds each call's URL from the authority (`:authority`, else `Host`) synchronously, outside any
 * catch: an authority no URL can hold (`a:99999999`, `[`) threw from the stream's event and ended the process, for
 * one stream of one connection. Such a request is malformed (RFC 9113 §8.3.1).
 */
export function refuseUnusableAuthority(req: Http2ServerRequest, res: Http2ServerResponse): boolean {
  const authority = req.authority as string | undefined;
  if (authority && URL.canParse(req.url, `http://${authority}`)) return false;
  res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('The :authority (or Host) is not a host name or address with an optional port.');
  return true;
}

/**
 * A Connect GET carries its message in the query (`?encoding=proto&base64=1&message=…`). connect-es decodes it
 * with a plain Error for text that is not base64, which it answers INTERNAL "internal error" (HTTP 500) before any
 * interceptor runs (a server fault in the log). Connect's request gate: after the headers, before any message.
 */
export function checkQueryMessage(context: HandlerContext): void {
  if (context.requestMethod !== 'GET') return;
  const query = new URL(context.url).searchParams;
  if (query.get('base64') !== '1') return;
  try {
    base64Decode(query.get('message') ?? '');
  } catch {
    throw new ConnectError('The message query parameter is not base64.', Code.InvalidArgument);
  }
}

/**
 * A call's request must arrive whole (its message and the end of its stream) within `ms`. connect-es waits for it
 * as long as bytes keep coming, and the idle timeout ends only a connection that sends nothing: a caller sending a
 * byte every 30 s held a stream for days, 128 per connection and any number of connections. The HTTP servers
 * bound a request's body the same way (kit/http/serve.ts, the gateway's GATEWAY_BODY_TIMEOUT_MS).
 */
export function limitRequestTime(req: Http2ServerRequest, res: Http2ServerResponse, ms: number): void {
  // Whole with its headers (a Connect GET): nothing more can come, and as connect-es never reads its empty body,
  // 'end' would never come either, so a timer would reset a call whose answer takes longer than `ms`.
  if (req.stream.endAfterHeaders) return;
  const timer = setTimeout(() => res.stream.close(constants.NGHTTP2_CANCEL), ms);
  const done = () => clearTimeout(timer);
  // 'end' once connect-es has read the whole request; 'close' once the stream is over, whether or not it was read.
  req.once('end', done);
  res.once('close', done);
}

/**
 * A call's answer must keep leaving: one with bytes waiting (or complete and not yet out) that sends nothing for `ms`
 * has its stream reset (CANCEL). A caller that never reads (a zero flow-control window, kept alive by pings) held
 * each finished answer in memory for ever: 128 streams a connection, any number of connections; and a Watch whose
 * first status could not leave held one of grpcHealth's few watch slots for ever, so that a hundred such kept every
 * prober out. Node's own stream timeout cannot tell: a ping on the connection counts as progress of every stream. A
 * Watch waiting for a change, or a handler still working, has nothing waiting to leave and is left alone.
 */
export function limitSendTime(res: Http2ServerResponse, ms: number): void {
  const stream = res.stream;
  // What was still to send at the previous look, while something waited to leave; unchanged a look later means stuck.
  let unsent: number | undefined;
  const look = () => {
    if (stream.bufferSize > 0 || (stream.writableEnded && !stream.writableFinished)) {
      if (stream.bufferSize === unsent) return stream.close(constants.NGHTTP2_CANCEL);
      unsent = stream.bufferSize;
    } else unsent = undefined;
    timer.refresh();
  };
  // Looks every ms / 2: a stuck answer is reset between ms / 2 and ms after its last byte left.
  const timer = setTimeout(look, ms / 2).unref();
  res.once('close', () => clearTimeout(timer));
}

/**
 * A connection whose bytes stop leaving is destroyed: one with frames queued to send (`outboundQueueSize`) and no
 * byte written for `ms`. A caller that never reads its socket at all (not HTTP/2 flow control: TCP) let every answer
 * leave its stream into the connection's queue, where `limitSendTime` no longer sees it, and the idle timeout never
 * fired while those bytes waited: five such connections held 27 MB of Product's memory past 80 s (measured once by hand).
 * So is one whose session is over (destroyed) while its socket is still open a look (`ms / 2`) later.
 */
export function limitSessionSendTime(session: ServerHttp2Session, socket: Socket, ms: number): void {
  // Bytes written at the previous look, while frames waited; unchanged a look later means stuck.
  let written: number | undefined;
  let sessionOver = false;
  const look = () => {
    if (socket.destroyed) return;
    // A session closed gracefully (the caller's GOAWAY) ends its socket and then waits, without a timer, for the
    // caller to end its side: one that stays silent held the socket for ever. A look's grace, then it goes.
    if (sessionOver) return socket.destroy();
    sessionOver = session.destroyed;
    if ((session.state.outboundQueueSize ?? 0) > 0 || unsentBytes(socket) > 0) {
      // The socket itself: a destroyed session still waits for its queued frames to be written, which never happens.
      if (socket.bytesWritten === written) return socket.destroy();
      written = socket.bytesWritten;
    } else written = undefined;
    timer.refresh();
  };
  // Looks every ms / 2: a stuck connection is destroyed between ms / 2 and ms after its last byte left.
  const timer = setTimeout(look, ms / 2).unref();
  socket.once('close', () => clearTimeout(timer));
}

/**
 * Bytes handed to the socket and not yet taken by the kernel (libuv's write queue): a session may have moved all its
 * frames into one write that the unread socket never finishes, its own queue then empty while nothing leaves.
 */
function unsentBytes(socket: Socket): number {
  return (socket as Socket & { _handle?: { writeQueueSize?: number } })._handle?.writeQueueSize ?? 0;
}
