import { IncomingMessage, ServerResponse, type RequestListener, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

type ExpressPrototypes = Pick<Express, 'request' | 'response'>;

/** An Express app: a request listener that also carries the prototypes it gives requests and responses. */
function isExpressApp(listener: RequestListener): listener is RequestListener & ExpressPrototypes {
  const app = listener as Partial<ExpressPrototypes>;
  return app.request instanceof IncomingMessage && app.response instanceof ServerResponse;
}

/** Node's HTTP classes are plain constructor functions (Node 20 to 24), which a subclass function can call. */
const callable = (constructor: unknown) => typeof constructor === 'function' && !/^class\b/.test(constructor.toString());

/**
 * The first Node major whose V8 no longer gains from it: there the same Product service spent 76 µs of CPU per
 * request on node's own classes against 87 µs with its own, while on Node 22 it spent 231 µs against 125 µs
 * (bench/product.ts, both lines measured back to back on 2026-12-01; docs/benchmarks.md).
 */
export const GAINS_BEFORE_NODE_MAJOR = 24;

const runningMajor = Number(process.versions.node.split('.')[0]);

/**
 * Server options under which node:http creates each request and response with the app's own prototypes, on the
 * Node lines where that pays.
 *
 * Express re-prototypes every `req` and `res` on arrival (`Object.setPrototypeOf`). On Node 22's V8 that leaves
 * Node's HTTP internals and Express itself on slow property lookups for the rest of the request: on the Product
 * read it cost nearly half of the CPU per request. When the objects are born with those prototypes, Express's
 * call is a no-op, and nothing else changes. Node 24's V8 copes with the re-prototyped objects, and the
 * constructor functions below cost more than they save there, so from that major on node keeps its classes.
 * Upstream discussion: expressjs/express#5998.
 *
 * Any other listener (the gateway's bare handler) gets node's own classes, and so does every listener if a
 * future Node turns its classes into `class` declarations.
 */
export function serverOptionsFor(listener: RequestListener, nodeMajor = runningMajor): ServerOptions {
  if (nodeMajor >= GAINS_BEFORE_NODE_MAJOR) return {};
  if (!isExpressApp(listener) || !callable(IncomingMessage) || !callable(ServerResponse)) return {};
  // Plain functions, because a class's `prototype` cannot be assigned, and it must be exactly the app's. Not
  // Reflect.construct either: measured, V8 then builds objects that are as slow as re-prototyped ones.
  function AppRequest(this: IncomingMessage, socket: Socket) {
    IncomingMessage.call(this, socket);
  }
  function AppResponse(this: ServerResponse, req: IncomingMessage, options: unknown) {
    (ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options: unknown) => void).call(this, req, options);
  }
  AppRequest.prototype = listener.request;
  AppResponse.prototype = listener.response;
  return {
    IncomingMessage: AppRequest as unknown as typeof IncomingMessage,
    ServerResponse: AppResponse as unknown as typeof ServerResponse,
  };
}
