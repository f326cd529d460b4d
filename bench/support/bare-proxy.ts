/**
 * The floor for the gateway benchmark: the least a proxy can do. Bare node:http forwarding to UPSTREAM_URL over
 * an undici Pool, headers passed as they are, no auth, no throttle, no logging. The gateway's figures beside
 * this one show what its own features cost, apart from the cost of the extra hop.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const pool = new Pool(process.env.UPSTREAM_URL ?? '', { connections: 128 });

const server = createServer((req, res) => {
  if (req.url === '/health') return void res.end('ok');
  const { host: _host, connection: _connection, ...headers } = req.headers;
  pool
    .stream({ path: req.url ?? '/', method: 'GET', headers }, ({ statusCode, headers: answer }) => {
      const { connection: _c, 'keep-alive': _k, ...rest } = answer;
      res.writeHead(statusCode, rest);
      return res;
    })
    .catch(() => res.destroy());
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('disconnect', () => process.exit(0));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
