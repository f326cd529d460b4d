/**
 * Reading a request's JSON body, done by the route, not by the app for every request: a guarded route reads it only
 * once the guard has let the caller through (services/kit/auth/middleware.ts), as the edge does, so an anonymous
 * caller never makes a service wait for, buffer or parse a body. A public route that takes a body lists `jsonBody`.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingHttpHeaders } from 'node:http';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { bodyTooLarge, notAnObject, NOT_UTF8, NOT_UTF8_CHARSET, toAppError, unsupportedContentCoding, unsupportedMediaType } from './error-handler';
import { declaresMoreThan, JSON_BODY_LIMIT_BYTES } from './body-limit';
import { sendContinue } from './continue-when-read';
import { UnreadableBody } from './unreadable-body';

/** The media types read as JSON; a body of any other type on a route that takes one answers 415. */
const JSON_TYPES = ['application/json', 'application/*+json'];
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The content codings a body may come in: the ones the gateway undoes too, to read the account a sign-in names
 * (gateway/credential-body.ts). body-parser 2.4 also inflates zstd wherever node:zlib has it (Node 22.15 and
 * later): such a sign-in counted in the gateway's one shared account for unreadable bodies, while Identity read the
 * e-mail in it and checked the password.
 */
const CONTENT_CODINGS = new Set(['identity', 'gzip', 'deflate', 'br']);
const contentCoding = (headers: IncomingHttpHeaders) => (headers['content-encoding'] ?? 'identity').toLowerCase();

/** An empty body (`Content-Length: 0`, as clients send on a bodiless POST) counts as none. */
const hasBody = (headers: IncomingHttpHeaders) =>
  headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');

/**
 * Requests whose JSON body came with no bytes at all (`Content-Type: application/json` and `Content-Length: 0`, or
 * a chunked body of no chunk). body-parser reads them as `{}`, so such a PATCH or POST was answered field by field
 * as if an object had been sent, while the same request without a Content-Type was told its body is missing.
 */
const emptyBodies = new WeakSet<Request>();

/**
 * JSON in UTF-8 only (RFC 8259 §8.1), checked where body-parser has read the charset it would decode with (its
 * own reading of Content-Type: a second parser could disagree, `charset = utf-16le` for one). Without this it
 * decodes UTF-16 and UTF-32 too: a sign-in the gateway cannot read (it reads UTF-8, as AWS WAF does) would still be
 * answered, past the per-account limits. Bytes that are not UTF-8 are refused, not read as U+FFFD and stored.
 */
function requireUtf8(req: Request, _res: unknown, body: Buffer, charset: string): void {
  if (body.length === 0) emptyBodies.add(req);
  if (charset !== 'utf-8') throw Object.assign(new Error(`charset ${charset}`), { type: NOT_UTF8_CHARSET });
  if (!isUtf8(body)) throw Object.assign(new Error('the body is not UTF-8'), { type: NOT_UTF8 });
}

/**
 * Not strict: body-parser's strict mode refuses `null`, `1` or `"x"` as "not valid JSON", which they are, while it
 * lets `[]` through to the route. Any value is parsed, and one that is no object is refused below, all alike.
 */
const jsonParser = express.json({ limit: JSON_BODY_LIMIT_BYTES, strict: false, type: JSON_TYPES, verify: requireUtf8 });

/**
 * A JSON object: what every route's body is. An absent or empty body is left undefined, the route's to judge: most
 * answer it missing (validate.ts, parseInput), a payment takes none.
 */
const isJsonObject = (body: unknown) => typeof body === 'object' && body !== null && !Array.isArray(body);

/** Requests whose body has been taken: a stream read twice would wait for bytes that never come again. */
const taken = new WeakSet<Request>();

/**
 * Reads a JSON object into `req.body`. One that cannot be taken (any other JSON value too) is kept as an
 * UnreadableBody, answered by the route (unreadable-body.ts). Every route that takes a body takes JSON: without the
 * type check, a form or text body would reach the route as no body at all, and the client would get a puzzling 400
 * about a missing object. Rejects only with an error that is not the client's.
 */
export function readJsonBody(req: Request, res: Response): Promise<void> {
  if (taken.has(req)) return Promise.resolve();
  taken.add(req);
  if (BODY_METHODS.has(req.method) && hasBody(req.headers) && !req.is(JSON_TYPES)) {
    req.body = new UnreadableBody(unsupportedMediaType());
    return Promise.resolve();
  }
  // Only where body-parser would inflate it (a JSON body), compared as it does: lower-cased, the whole header.
  if (hasBody(req.headers) && req.is(JSON_TYPES) && !CONTENT_CODINGS.has(contentCoding(req.headers))) {
    req.body = new UnreadableBody(unsupportedContentCoding());
    return Promise.resolve();
  }
  // Refused unread: body-parser would read a declared oversize body to its end (up to its deadline) before its 413.
  // Node drops the rest of it once the answer is out. Only without a content coding, where the length is the body's.
  if (contentCoding(req.headers) === 'identity' && declaresMoreThan(req.headers, JSON_BODY_LIMIT_BYTES)) {
    req.body = new UnreadableBody(bodyTooLarge());
    return Promise.resolve();
  }
  // A client that expects 100-continue has sent nothing yet: it is asked for its body only now.
  sendContinue(req, res);
  return new Promise((resolve, reject) => {
    jsonParser(req, res, (error?: unknown) => {
      if (error === undefined) {
        if (emptyBodies.has(req)) req.body = undefined;
        if (req.body !== undefined && !isJsonObject(req.body)) req.body = new UnreadableBody(notAnObject(req.body));
        return resolve();
      }
      const problem = toAppError(error);
      if (!problem) return reject(error);
      req.body = new UnreadableBody(problem);
      resolve();
    });
  });
}

/** A public route's body reader: `router.post(path, jsonBody, handler)`. A guarded route needs none. */
export const jsonBody: RequestHandler = async (req, res, next) => {
  await readJsonBody(req, res);
  next();
};
