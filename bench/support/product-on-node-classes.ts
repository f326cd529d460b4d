/**
 * The Product service exactly as main.ts runs it, except that its server uses node's own request and response
 * classes, as `app.listen()` would: Express then re-prototypes both on every request. The Product benchmark runs
 * it beside the real service to show, in the same run, what services/kit/http/express-server-classes.ts buys.
 */
import http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';

const createServer = http.createServer;
// serve() passes (options, listener); drop the options. syncBuiltinESMExports updates `import { createServer }`.
Object.assign(http, { createServer: (_options: http.ServerOptions, listener: http.RequestListener) => createServer(listener) });
syncBuiltinESMExports();
await import('../../services/product/main');
