/**
 * The baseline for the Product read benchmark: bare node:http + pg running the same SELECT by id, with the
 * same pool size, and nothing else (no framework, no validation, no logging, no security headers).
 */
import { createServer } from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const query = 'SELECT id, sku, name, description, price_cents, currency, active, created_at, updated_at FROM products WHERE id = $1';

createServer((req, res) => {
  if (req.url === '/health/ready') return void res.end('ok');
  const id = req.url?.split('/')[2] ?? '';
  pool.query({ name: 'by_id', text: query, values: [id] }).then(
    ({ rows }) => {
      res.writeHead(rows[0] ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(rows[0] ?? {}));
    },
    () => {
      res.writeHead(500).end();
    },
  );
}).listen(Number(process.env.PORT), '127.0.0.1');
