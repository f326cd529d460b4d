/**
 * The stand-in service for the gateway benchmark: bare node:http answering every path with a small JSON body
 * (about a product's size). Nothing else, so the figures show the gateway's own cost.
 */
import { createServer } from 'node:http';

const body = JSON.stringify({
  id: '3f0c9a52-6a43-4c1e-9a57-1b2c3d4e5f60',
  sku: 'BENCH-1',
  name: 'Bench product',
  description: 'A product of typical size for the gateway benchmark.',
  priceCents: 999,
  currency: 'USD',
  active: true,
  createdAt: '2026-11-27T00:00:00.000Z',
  updatedAt: '2026-11-27T00:00:00.000Z',
});

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
// Started by the bench with an IPC channel: when the bench goes, so does this.
process.once('disconnect', () => process.exit(0));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
