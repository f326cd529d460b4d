import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { runWithContext } from '../context';

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/** The caller's `x-request-id` when it is sane, else a fresh UUID. */
export function pickRequestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** Sets `x-request-id` on the response and runs the rest of the request inside its context. */
export const requestId: RequestHandler = (req, res, next) => {
  const id = pickRequestId(req.headers['x-request-id']);
  const traceparent = req.headers.traceparent;
  res.locals.requestId = id;
  res.setHeader('x-request-id', id);
  const context = typeof traceparent === 'string' && TRACEPARENT.test(traceparent) ? { requestId: id, traceparent } : { requestId: id };
  runWithContext(context, next);
};
