/**
 * GET /products/{id} straight to the Product service, against a bare node:http + pg server doing the same query,
 * alternating rounds in one run. Target: the service reaches at least 0.5 of the baseline's throughput.
 */
import { pathToFileURL } from 'node:url';
import { createDatabase } from '../services/kit/db/database';
import { migrationsFolder } from '../services/contracts/services';
import { migrateWithLock } from '../services/kit/db/migrate';
import { GAINS_BEFORE_NODE_MAJOR } from '../services/kit/http/express-server-classes';
import { createLogger } from '../services/kit/logger';
import { nodeEntry } from '../services/local/child-process/node-entry';
import { startChildProcess } from '../services/local/child-process/start-child';
import { freePort } from '../services/local/free-port';
import * as schema from '../services/product/data-access/schema';
import { productRepository } from '../services/product/data-access/product-repository';
import { benchDatabaseServer } from './support/database';
import { fmt, load, machineLine, medianFigures, writeSection, type LoadFigures } from './support/report';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);

type ServerName = 'bare' | 'service' | 'otherClasses';

export async function run(): Promise<{ ratio: number }> {
  const server = await benchDatabaseServer();
  const logger = createLogger({ service: 'bench', level: 'warn' });
  const url = await server.database('bench_product');
  const database = createDatabase({ connectionString: url, schema, logger });
  await migrateWithLock(database.pool, migrationsFolder('product'), 'product', logger);
  const product = await productRepository(database.db).insert({ sku: `BENCH-${Date.now()}`, name: 'Bench', priceCents: 999 });
  await database.close();

  const common = { output: 'ignore' as const, readyTimeoutMs: 60_000 };
  const serviceEnv = {
    HOST: '127.0.0.1',
    DATABASE_URL: url,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    COGNITO_USER_POOL_ID: 'us-east-1_Bench0000',
    COGNITO_CLIENT_ID: 'bench',
  };
  const start = async (name: ServerName, entry: string, env: Record<string, string>, nodeArgs: string[] = []) => {
    const port = await freePort();
    const child = await startChildProcess({
      ...common,
      name,
      args: nodeEntry(entry, nodeArgs),
      ready: { url: `http://127.0.0.1:${port}/health/ready` },
      env: { ...env, PORT: String(port), PRODUCT_GRPC_PORT: String(await freePort()) }, // two Products side by side
    });
    return { name, child, url: `http://127.0.0.1:${port}/products/${product.id}` };
  };
  // BENCH_PROFILE_DIR=/tmp/x writes a CPU profile of the service, to see where its time goes.
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const servers = [
    await start('bare', 'bench/support/bare-product-server.ts', { DATABASE_URL: url }),
    await start('service', 'bench/support/product-for-bench.ts', serviceEnv, profile),
    await start('otherClasses', 'bench/support/product-with-other-classes.ts', serviceEnv),
  ];

  const runs: Record<ServerName, LoadFigures[]> = { bare: [], service: [], otherClasses: [] };
  try {
    for (const s of servers) await load({ url: s.url, seconds: 2 }); // warm-up: JIT, pools, prepared statements
    for (let round = 1; round <= ROUNDS; round++) {
      for (const s of servers) runs[s.name].push(await load({ url: s.url, seconds: SECONDS, pid: s.child.pid }));
      const line = servers.map((s) => `${s.name} ${fmt(runs[s.name].at(-1)!.requestsPerSecond)}`).join(', ');
      console.log(`  round ${round}/${ROUNDS} (req/s): ${line}`);
    }
  } finally {
    await Promise.all(servers.map((s) => s.child.stop()));
    await server.stop();
  }

  const [b, s, n] = [medianFigures(runs.bare), medianFigures(runs.service), medianFigures(runs.otherClasses)];
  const ratio = s.requestsPerSecond / b.requestsPerSecond;
  const appClasses = Number(process.versions.node.split('.')[0]) < GAINS_BEFORE_NODE_MAJOR;
  const cpu = (f: LoadFigures) => (f.cpuMicrosPerRequest === undefined ? 'n/a' : `${fmt(f.cpuMicrosPerRequest)} µs`);
  const row = (name: string, f: LoadFigures) =>
    `| ${name} | ${fmt(f.requestsPerSecond)} | ${fmt(f.p50Ms)} ms | ${fmt(f.p99Ms)} ms | ${cpu(f)} | ${fmt(f.requestsPerSecond / b.requestsPerSecond, 2)} | ${f.errors + f.non2xx} |`;
  await writeSection(
    'Product read: GET /products/{id}',
    [
      `Machine: ${machineLine()}. autocannon, 50 connections, median of ${ROUNDS} rounds × ${SECONDS} s, the servers in turn.`,
      '',
      '| server | req/s | p50 | p99 | server CPU per request | ratio | errors |',
      '|---|---|---|---|---|---|---|',
      row('bare node:http + pg (baseline)', b),
      row('Product service (Express 5, drizzle, zod, access log)', s),
      row(`the same service on ${appClasses ? 'node\'s own' : 'the app\'s'} request classes`, n),
      '',
      `**Ratio: ${fmt(ratio, 2)}** of the baseline (target ≥ 0.5).`,
      '',
      'Server CPU per request is the process\'s user + system time over a round divided by the requests answered. It',
      'moves far less than throughput on a shared machine, so it shows where a difference comes from.',
      '',
      `The service row is the service as shipped: on Node ${process.versions.node.split('.')[0]}, \`serve()\` has node:http create requests and`,
      `responses ${appClasses ? 'with the app\'s prototypes' : 'with node\'s own classes'}. The third row makes the other choice. With node's own`,
      'classes Express re-prototypes every request and response (`Object.setPrototypeOf`); on Node 22 V8 then runs',
      'the rest of the request on slow property lookups, on Node 24 it copes, and creating the objects with the app\'s',
      'prototypes costs more than it saves (services/kit/http/express-server-classes.ts; expressjs/express#5998).',
    ].join('\n'),
  );
  for (const [name, f] of [['bare', b], ['service', s], ['otherClasses', n]] as const) {
    console.log(`  ${name.padEnd(11)} ${fmt(f.requestsPerSecond)} req/s, p50 ${fmt(f.p50Ms)} ms, p99 ${fmt(f.p99Ms)} ms, CPU ${cpu(f)}/request`);
  }
  console.log(`product read: ratio ${fmt(ratio, 2)} of bare (target ≥ 0.5); with the other classes ${fmt(n.requestsPerSecond / b.requestsPerSecond, 2)}`);
  return { ratio };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
