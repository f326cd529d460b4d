import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { runWithContext } from '../context';

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/** The caller's `x-request-id` when it is sane, else a fresh UUID. */
export function pickRequestId(header: string | string[] | undefined): string {
  return saneRequestId(header) ?? randomUUID();
}

/** A request id someone else stamped (a header, a message attribute), or undefined when it is not sane. */
export function saneRequestId(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value) ? value : undefined;
}

/** A W3C traceparent someone else stamped, or undefined when it has not that form. */
export function saneTraceparent(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && TRACEPARENT.test(value) ? value : undefined;
}

/** Sets `x-request-id` on the response and runs the rest of the request inside its context. */
export const requestId: RequestHandler = (req, res, next) => {
  const id = pickRequestId(req.headers['x-request-id']);
  const traceparent = saneTraceparent(req.headers.traceparent);
  res.locals.requestId = id;
  res.setHeader('x-request-id', id);
  const context = traceparent ? { requestId: id, traceparent } : { requestId: id };
  runWithContext(context, next);
};
