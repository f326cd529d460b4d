/**
 * What connect-node reads from a request before its own error handling starts, checked first. A request that fails
 * here is the caller's mistake, answered as such: never an exception out of the server's event, which ends the
 * process, and never INTERNAL.
 */
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

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
