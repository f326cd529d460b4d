/**
 * GET /products/{id} straight to the Product service, against a bare node:http + pg server doing the same query,
 * alternating rounds in one run. Target: the service reaches at least 0.5 of the baseline's throughput.
 */
import { pathToFileURL } from 'node:url';
import { createDatabase, migrateWithLock } from '../services/platform/db/database';
import { createLogger } from '../services/platform/logger';
import { startChildService } from '../services/local/child-service';
import { freePort } from '../services/local/free-port';
import * as schema from '../services/product/data-access/schema';
import { productRepository } from '../services/product/data-access/product-repository';
import { benchDatabaseServer } from './support/database';
import { fmt, load, machineLine, medianFigures, writeSection, type LoadFigures } from './support/report';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);

export async function run(): Promise<{ ratio: number }> {
  const server = await benchDatabaseServer();
  const logger = createLogger({ service: 'bench', level: 'warn' });
  const url = await server.database('bench_product');
  const database = createDatabase({ connectionString: url, schema, logger });
  await migrateWithLock(database.pool, 'services/product/data-access/migrations', 'product', logger);
  const product = await productRepository(database.db).insert({ sku: `BENCH-${Date.now()}`, name: 'Bench', priceCents: 999 });
  await database.close();

  const [servicePort, barePort] = [await freePort(), await freePort()];
  const common = { output: 'ignore' as const, readyTimeoutMs: 60_000 };
  const service = await startChildService({
    ...common,
    // BENCH_PROFILE_DIR=/tmp/x writes a CPU profile of the service, to see where its time goes.
    ...(process.env.BENCH_PROFILE_DIR ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] } : {}),
    name: 'product',
    entry: 'services/product/main.ts',
    readyUrl: `http://127.0.0.1:${servicePort}/health/ready`,
    env: {
      PORT: String(servicePort),
      HOST: '127.0.0.1',
      DATABASE_URL: url,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      COGNITO_USER_POOL_ID: 'us-east-1_Bench0000',
      COGNITO_CLIENT_ID: 'bench',
    },
  });
  const bare = await startChildService({
    ...common,
    name: 'bare',
    entry: 'bench/support/bare-product-server.ts',
    readyUrl: `http://127.0.0.1:${barePort}/health/ready`,
    env: { PORT: String(barePort), DATABASE_URL: url },
  });

  const path = `/products/${product.id}`;
  const runs = { bare: [] as LoadFigures[], service: [] as LoadFigures[] };
  try {
    await load({ url: `http://127.0.0.1:${servicePort}${path}`, seconds: 2 }); // warm-up: JIT, pools, prepared statements
    await load({ url: `http://127.0.0.1:${barePort}${path}`, seconds: 2 });
    for (let round = 1; round <= ROUNDS; round++) {
      runs.bare.push(await load({ url: `http://127.0.0.1:${barePort}${path}`, seconds: SECONDS, pid: bare.pid }));
      runs.service.push(await load({ url: `http://127.0.0.1:${servicePort}${path}`, seconds: SECONDS, pid: service.pid }));
      console.log(`  round ${round}/${ROUNDS}: bare ${fmt(runs.bare.at(-1)!.requestsPerSecond)} req/s, service ${fmt(runs.service.at(-1)!.requestsPerSecond)} req/s`);
    }
  } finally {
    await Promise.all([service.stop(), bare.stop()]);
    await server.stop();
  }

  const [b, s] = [medianFigures(runs.bare), medianFigures(runs.service)];
  const ratio = s.requestsPerSecond / b.requestsPerSecond;
  const cpu = (f: LoadFigures) => (f.cpuMicrosPerRequest === undefined ? 'n/a' : `${fmt(f.cpuMicrosPerRequest)} µs`);
  const row = (name: string, f: LoadFigures) =>
    `| ${name} | ${fmt(f.requestsPerSecond)} | ${fmt(f.p50Ms)} ms | ${fmt(f.p99Ms)} ms | ${cpu(f)} | ${f.errors + f.non2xx} |`;
  await writeSection(
    'Product read: GET /products/{id}',
    [
      `Machine: ${machineLine()}. autocannon, 50 connections, median of ${ROUNDS} rounds × ${SECONDS} s, rounds alternating.`,
      '',
      '| server | req/s | p50 | p99 | server CPU per request | errors |',
      '|---|---|---|---|---|---|',
      row('bare node:http + pg (baseline)', b),
      row('Product service (Express 5, drizzle, zod, access log)', s),
      '',
      `**Ratio: ${fmt(ratio, 2)}** of the baseline (target ≥ 0.5).`,
      '',
      'Server CPU per request is the process\'s user + system time over a round divided by the requests answered. It',
      'moves far less than throughput on a shared machine, so it shows where a difference comes from.',
    ].join('\n'),
  );
  console.log(`product read: ${fmt(s.requestsPerSecond)} vs bare ${fmt(b.requestsPerSecond)} req/s → ratio ${fmt(ratio, 2)} (target ≥ 0.5)`);
  return { ratio };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
