/**
 * 100 Continue sent when the body is wanted, not when the request arrives: a client that expects 100-continue sends
 * no body until it is asked, so a guarded route's 401 or 403 (services/kit/auth/middleware.ts) costs it nothing, and
 * the service nothing. The server marks the request (client-errors.ts); the body reader asks (json-body.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const deferred = new WeakSet<IncomingMessage>();

/** Leaves the 100 Continue this request expects to whoever reads its body. */
export function deferContinue(req: IncomingMessage): void {
  deferred.add(req);
}

/** Sends the 100 Continue the request expects, if it was left to the reader and not sent yet. */
export function sendContinue(req: IncomingMessage, res: ServerResponse): void {
  if (deferred.delete(req)) res.writeContinue();
}
