import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/** An API answers JSON only: nothing may load from it, frame it, or be sniffed as another type. */
const OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
};

let defaults: Readonly<Record<string, string>> | undefined;

/**
 * helmet's security headers as plain fields (lower-case names), computed once: helmet stays the authority on
 * which headers and values to send, and they do not depend on the request. The services set them through
 * `securityHeaders()`; the gateway puts the same fields on the answers it gives itself.
 */
export function securityHeaderFields(options?: HelmetOptions): Readonly<Record<string, string>> {
  if (options === undefined && defaults) return defaults;
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options ?? OPTIONS)({ headers: {} } as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  if (Object.keys(headers).length === 0) throw new Error('helmet set no headers: its interface changed; see security-headers.ts');
  const fields = Object.freeze(headers);
  if (options === undefined) defaults = fields;
  return fields;
}

/**
 * Running helmet's dozen middlewares per response (a setHeader each) would only spend CPU on the hot path: each
 * response gets the precomputed fields in one setHeaders call.
 */
export function securityHeaders(options?: HelmetOptions): RequestHandler {
  const headers = new Map(Object.entries(securityHeaderFields(options)));
  return (_req, res, next) => {
    res.setHeaders(headers);
    next();
  };
}
