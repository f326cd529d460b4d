/**
 * Checks of an HTTP/1.1 request's framing that node:http leaves to the application (RFC 9112). Each answers 400
 * rather than guess: the contract allows no 5xx for a malformed request, so not the 501 that RFC 9112 §6.1 suggests
 * for a transfer coding nobody here decodes.
 */
import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors';

/** RFC 9110 §7.2: uri-host [":" port], where uri-host is an IP literal, an IPv4 address or a reg-name. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]*)(?::\d{0,5})?$/;

/** A reason to refuse the request's framing, or undefined when it is sound. */
export function framingProblem(req: Pick<IncomingMessage, 'headers' | 'headersDistinct'>): AppError | undefined {
  const hosts = req.headersDistinct.host ?? [];
  if (hosts.length > 1) return AppError.badRequest('Send one Host header, not several (RFC 9112 §3.2).');
  if (hosts.length === 1 && !HOST.test(hosts[0]!)) return AppError.badRequest('The Host header is not a host name or address, with an optional port.');
  const coding = req.headers['transfer-encoding'];
  // node:http itself refuses a body framed by both Transfer-Encoding and Content-Length, and codings after chunked.
  if (coding !== undefined && coding.trim().toLowerCase() !== 'chunked') {
    return AppError.badRequest('Only the chunked transfer coding is supported; send a compressed body with Content-Encoding instead.');
  }
  return undefined;
}

/** `http://host` or `https://host:port`: the scheme and authority of an absolute-form target. */
const SCHEME_AND_AUTHORITY = /^https?:\/\/[^/?#]*/i;

/**
 * The request target in origin form (`/path?query`). RFC 9112 §3.2.2: a server must accept the absolute form
 * (`http://host/path`) that proxies send; its path is what routes. Cut as text, so the path and query stay exactly as
 * sent: a URL parser would resolve `%2e%2e` and `\` and re-encode the query, and an absolute target would then be
 * routed otherwise than the same path in origin form.
 */
export function originForm(target: string): string {
  const match = SCHEME_AND_AUTHORITY.exec(target);
  if (!match) return target;
  const rest = target.slice(match[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
