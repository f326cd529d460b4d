import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/** An API answers JSON only: nothing may load from it, frame it, or be sniffed as another type. */
const OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
};

/**
 * helmet's security headers, computed once at start. helmet stays the authority on which headers and values to
 * send; they do not depend on the request here, so running its dozen middlewares per response (a setHeader each)
 * would only spend CPU on the hot path. Each response gets them in one setHeaders call.
 */
export function securityHeaders(options: HelmetOptions = OPTIONS): RequestHandler {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string) => void headers.set(name, value),
    removeHeader: (name: string) => void headers.delete(name),
  };
  helmet(options)({ headers: {} } as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  if (headers.size === 0) throw new Error('helmet set no headers: its interface changed; see security-headers.ts');
  return (_req, res, next) => {
    res.setHeaders(headers);
    next();
  };
}
