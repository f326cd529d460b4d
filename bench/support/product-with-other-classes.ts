/**
 * The Product service as the benchmarks run it (product-for-bench.ts: main.ts without the event bus), but with
 * the other choice of request and response classes than `serve()` makes on the running Node
 * (services/kit/http/express-server-classes.ts): on Node 24 and later the app's own prototypes, before it node's
 * own classes (as `app.listen()` would). The Product benchmark runs it beside the real service, so each run
 * shows, on the Node it runs on, whether that choice is still the right one.
 */
import http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { GAINS_BEFORE_NODE_MAJOR, serverOptionsFor } from '../../services/kit/http/express-server-classes';

const runningMajor = Number(process.versions.node.split('.')[0]);
const otherMajor = runningMajor >= GAINS_BEFORE_NODE_MAJOR ? GAINS_BEFORE_NODE_MAJOR - 1 : GAINS_BEFORE_NODE_MAJOR;

const createServer = http.createServer;
// serve() passes (options, listener): keep its other options (timeouts), swap the classes for the other choice.
// syncBuiltinESMExports updates `import { createServer }` in the modules that import it by name.
Object.assign(http, {
  createServer: (options: http.ServerOptions, listener: http.RequestListener) => {
    const { IncomingMessage: _request, ServerResponse: _response, ...rest } = options;
    return createServer({ ...rest, ...serverOptionsFor(listener, otherMajor) }, listener);
  },
});
syncBuiltinESMExports();
await import('./product-for-bench');
