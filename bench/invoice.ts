/**
 * POST /billing/invoices through the Billing service, with Product's prices read four ways side by side in one
 * run: over gRPC (the default), over the same API in the Connect protocol, over REST (the fallback), and answered
 * in-process (a bench-only baseline with no network). Invoices/s counts created invoices (201) only. Figures: throughput of a 3-line invoice, p50/p99 at half the gRPC throughput, CPU per invoice in
 * Billing, in Product and in PostgreSQL (the embedded server), and a 100-line invoice against a 1-line one (gRPC). Targets (issue #13): gRPC ≥ 0.8 of
 * the in-process throughput; a 100-line invoice costs ≤ 2× a 1-line one; gRPC no slower than REST.
 * BENCH_ROUNDS=1 BENCH_SECONDS=2 is a smoke run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GET_PRICES_MAX_IDS } from '../services/contracts/grpc/limits';
import { MAX_LINES } from '../services/billing/domain/invoice';
import { billingUnitOfWork } from '../services/billing/data-access/unit-of-work';
import * as billingSchema from '../services/billing/data-access/schema';
import { createDatabase } from '../services/kit/db/database';
import { migrationsFolder } from '../services/contracts/services';
import { migrateWithLock } from '../services/kit/db/migrate';
import { createLogger } from '../services/kit/logger';
import { nodeEntry } from '../services/local/child-process/node-entry';
import { startChildProcess } from '../services/local/child-process/start-child';
import { freePort } from '../services/local/free-port';
import * as productSchema from '../services/product/data-access/schema';
import { productRepository } from '../services/product/data-access/product-repository';
import { benchUser } from './support/cognito-user';
import { benchDatabaseServer } from './support/database';
import { pacedLoad } from './support/paced-load';
import { fmt, load, machineLine, median, medianFigures, processCpuSeconds, serverCpuSeconds, writeSection, type LoadFigures } from './support/report';

/** Products in the catalogue: a 100-line invoice names a tenth of them. */
const PRODUCTS = 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CATALOGS = ['grpc', 'connect', 'rest', 'inProcess'] as const;
type Catalog = (typeof CATALOGS)[number];
/** What each figure is: the catalogue, and the invoice's number of lines. */
type Case = `${Catalog}:${1 | 3 | 100}`;

interface Measured extends LoadFigures {
  /** Product's CPU per invoice over the same round (zero for the in-process baseline, which never calls it). */
  readonly productCpuMicros?: number;
  /** PostgreSQL's (both databases, one server) per invoice; only for the embedded server, whose processes we see. */
  readonly postgresCpuMicros?: number;
}

const subOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;

export async function run(): Promise<Record<string, number>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'platform-bench-invoice-'));
  const server = await benchDatabaseServer();
  const user = await benchUser(dataDir);
  const logger = createLogger({ service: 'bench', level: 'warn' });
  const [productUrl, billingUrl] = [await server.database('bench_invoice_product'), await server.database('bench_invoice_billing')];

  const productDb = createDatabase({ connectionString: productUrl, schema: productSchema, logger });
  await migrateWithLock(productDb.pool, migrationsFolder('product'), 'product', logger);
  const stamp = Date.now();
  const products = await Promise.all(Array.from({ length: PRODUCTS }, (_, i) => productRepository(productDb.db).insert({ sku: `BENCH-${stamp}-${i}`, name: `Bench ${i}`, priceCents: 100 + i })));
  await productDb.close();
  const billingDb = createDatabase({ connectionString: billingUrl, schema: billingSchema, logger });
  await migrateWithLock(billingDb.pool, migrationsFolder('billing'), 'billing', logger);
  await billingUnitOfWork(billingDb.db).accounts.open(subOf(user.accessToken));
  await billingDb.close();

  const common = { output: (process.env.BENCH_CHILD_OUTPUT === 'inherit' ? 'inherit' : 'ignore') as 'ignore', readyTimeoutMs: 60_000 };
  const env = { HOST: '127.0.0.1', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', ...user.env };
  const [productPort, grpcPort] = [await freePort(), await freePort()];
  // BENCH_PROFILE_DIR=/tmp/x writes a CPU profile of Product and of each Billing, to see where their time goes.
  const profile = (name: string) => (process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.join(process.env.BENCH_PROFILE_DIR, name)}`] : []);
  const product = await startChildProcess({
    ...common,
    name: 'product',
    args: nodeEntry('bench/support/product-for-bench.ts', profile('product')),
    ready: { url: `http://127.0.0.1:${productPort}/health/ready` },
    env: { ...env, DATABASE_URL: productUrl, PORT: String(productPort), PRODUCT_GRPC_PORT: String(grpcPort) },
  });
  const billingEnv: Record<Catalog, Record<string, string>> = {
    grpc: { PRODUCT_CATALOG_PROTOCOL: 'grpc' },
    connect: { PRODUCT_CATALOG_PROTOCOL: 'connect' },
    rest: { PRODUCT_CATALOG_PROTOCOL: 'http' },
    inProcess: { BENCH_CATALOG: 'in-process', PRODUCT_DATABASE_URL: productUrl },
  };
  const billings = await Promise.all(
    CATALOGS.map(async (catalog) => {
      const port = await freePort();
      const child = await startChildProcess({
        ...common,
        name: `billing-${catalog}`,
        args: nodeEntry('bench/support/billing-for-bench.ts', profile(`billing-${catalog}`)),
        ready: { url: `http://127.0.0.1:${port}/health/ready` },
        env: {
          ...env,
          DATABASE_URL: billingUrl,
          PORT: String(port),
          PRODUCT_GRPC_URL: `http://127.0.0.1:${grpcPort}`,
          PRODUCT_SERVICE_URL: `http://127.0.0.1:${productPort}`,
          ...billingEnv[catalog],
        },
      });
      return { catalog, child, url: `http://127.0.0.1:${port}/billing/invoices` };
    }),
  );

  const headers = { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' };
  const bodyOf = (named: readonly { id: string }[]) => JSON.stringify({ lines: named.map((p) => ({ productId: p.id, quantity: 2 })) });
  const threeLines = bodyOf(products.slice(0, 3));
  /**
   * 3-line invoices all name the same products (the protocols' comparison). 1- and 100-line invoices name others in
   * each request, in turn through the whole catalogue, so invoices sharing a GetPrices call share none of their ids:
   * the call's cost is shared, its ids are not (with one body, a shared call of 100-line invoices asked 100 ids).
   */
  const bodies = (lines: 1 | 3 | 100): string | (() => string) => {
    if (lines === 3) return threeLines;
    const all = Array.from({ length: PRODUCTS / lines }, (_, k) => bodyOf(products.slice(k * lines, (k + 1) * lines)));
    let next = 0;
    return () => all[next++ % all.length]!;
  };
  const runs = new Map<Case, Measured[]>();
  const halfLoad = new Map<Catalog, LoadFigures[]>();
  /** One saturated round, with Billing's CPU from autocannon's pid and Product's read around it. */
  async function measure(catalog: Catalog, lines: 1 | 3 | 100, seconds = SECONDS): Promise<Measured> {
    const billing = billings.find((b) => b.catalog === catalog)!;
    const cpu = () => ({ product: processCpuSeconds(product.pid!), postgres: server.pid === undefined ? undefined : serverCpuSeconds(server.pid) });
    const before = cpu();
    const figures = await load({ url: billing.url, method: 'POST', headers, body: bodies(lines), seconds, pid: billing.child.pid! });
    const after = cpu();
    const answered = figures.requestsPerSecond * seconds;
    const perInvoice = (from: number | undefined, to: number | undefined) => (from === undefined || to === undefined || answered === 0 ? undefined : ((to - from) * 1e6) / answered);
    const productCpuMicros = perInvoice(before.product, after.product);
    const postgresCpuMicros = perInvoice(before.postgres, after.postgres);
    // A fast 503 is not an invoice: throughput counts the 201s (the errors column shows the rest).
    const created = Math.max(0, figures.requestsPerSecond - figures.non2xx / seconds);
    return { ...figures, requestsPerSecond: created, ...(productCpuMicros === undefined ? {} : { productCpuMicros }), ...(postgresCpuMicros === undefined ? {} : { postgresCpuMicros }) };
  }
  const record = (key: Case, figures: Measured) => runs.set(key, [...(runs.get(key) ?? []), figures]);

  try {
    for (const catalog of CATALOGS) await measure(catalog, 3, 2); // warm-up: JIT, pools, prepared statements, connections
    for (let round = 1; round <= ROUNDS; round++) {
      for (const catalog of CATALOGS) record(`${catalog}:3`, await measure(catalog, 3));
      record('grpc:1', await measure('grpc', 1));
      record('grpc:100', await measure('grpc', 100));
      const line = CATALOGS.map((c) => `${c} ${fmt(runs.get(`${c}:3`)!.at(-1)!.requestsPerSecond)}`).join(', ');
      console.log(`  round ${round}/${ROUNDS} (3-line invoices/s): ${line}; grpc 1 line ${fmt(runs.get('grpc:1')!.at(-1)!.requestsPerSecond)}, 100 lines ${fmt(runs.get('grpc:100')!.at(-1)!.requestsPerSecond)}`);
    }
    // Latency when not saturated: each catalogue at half of the gRPC path's throughput, the same offered load.
    const rate = Math.max(1, Math.round(medianFigures(runs.get('grpc:3')!).requestsPerSecond / 2));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const b of billings) halfLoad.set(b.catalog, [...(halfLoad.get(b.catalog) ?? []), await pacedLoad(b.url, rate, SECONDS, headers, { method: 'POST', body: threeLines })]);
    }
  } finally {
    await Promise.all(billings.map((b) => b.child.stop()));
    await product.stop();
    await user.cognito.stop();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }

  const m = (key: Case) => {
    const all = runs.get(key)!;
    const medianOf = (pick: (r: Measured) => number | undefined) => (all.every((r) => pick(r) !== undefined) ? median(all.map((r) => pick(r)!)) : undefined);
    return { ...medianFigures(all), productCpuMicros: medianOf((r) => r.productCpuMicros), postgresCpuMicros: medianOf((r) => r.postgresCpuMicros) };
  };
  const grpc = m('grpc:3');
  const connect = m('connect:3');
  const rest = m('rest:3');
  const inProcess = m('inProcess:3');
  const [one, hundred] = [m('grpc:1'), m('grpc:100')];
  const servicesCpu = (f: ReturnType<typeof m>) => (f.cpuMicrosPerRequest ?? 0) + (f.productCpuMicros ?? 0);
  const totalCpu = (f: ReturnType<typeof m>) => servicesCpu(f) + (f.postgresCpuMicros ?? 0);
  const ratios = {
    grpcOfInProcess: grpc.requestsPerSecond / inProcess.requestsPerSecond,
    connectOfInProcess: connect.requestsPerSecond / inProcess.requestsPerSecond,
    restOfInProcess: rest.requestsPerSecond / inProcess.requestsPerSecond,
    grpcOfRest: grpc.requestsPerSecond / rest.requestsPerSecond,
    hundredLineCost: one.requestsPerSecond / hundred.requestsPerSecond,
    hundredLineServicesCpu: servicesCpu(hundred) / servicesCpu(one),
    ...(hundred.postgresCpuMicros === undefined ? {} : { hundredLineCpu: totalCpu(hundred) / totalCpu(one) }),
  };
  const cpu = (micros: number | undefined) => (micros === undefined ? 'n/a' : `${fmt(micros)} µs`);
  const half = (c: Catalog) => medianFigures(halfLoad.get(c)!);
  const row = (name: string, f: ReturnType<typeof m>, paced?: LoadFigures) =>
    `| ${name} | ${fmt(f.requestsPerSecond)} | ${paced ? `${fmt(paced.p50Ms)} ms / ${fmt(paced.p99Ms)} ms` : '–'} | ${cpu(f.cpuMicrosPerRequest)} | ${cpu(f.productCpuMicros)} | ${cpu(f.postgresCpuMicros)} | ${fmt(f.requestsPerSecond / inProcess.requestsPerSecond, 2)} | ${f.errors + f.non2xx} |`;
  const short = ROUNDS < 3 || SECONDS < 5;
  await writeSection(
    'Invoice creation: POST /billing/invoices',
    [
      `Machine: ${machineLine()}. autocannon, 50 connections, median of ${ROUNDS} round${ROUNDS > 1 ? 's' : ''} × ${SECONDS} s, the Billing processes in turn; one`,
      'Product process (REST and gRPC ports) and one PostgreSQL behind them. Billing and Product are the services\' HTTP',
      'apps, gRPC server, use cases and adapters without their event bus (bench/support/*-for-bench.ts). The in-process baseline',
      'shares lookups under load as the gRPC adapter does (one query for the invoices of a moment). Latency is at half of the',
      `gRPC path's throughput (${PACED_NOTE}).`,
      ...(short ? ['', '**A short run on a shared, loaded host** (smoke mode): the ratios are indicative only; re-run `npm run bench invoice` on a quiet machine.'] : []),
      '',
      '| 3-line invoice, prices read | invoices/s | p50 / p99 at half load | Billing CPU per invoice | Product CPU per invoice | PostgreSQL CPU per invoice | of in-process | errors |',
      '|---|---|---|---|---|---|---|---|',
      row('in process (baseline, bench only)', inProcess, half('inProcess')),
      row('over gRPC (default)', grpc, half('grpc')),
      row('same API, Connect protocol', connect, half('connect')),
      row('over REST (fallback)', rest, half('rest')),
      row('over gRPC, 1-line invoice', one),
      row('over gRPC, 100-line invoice', hundred),
      '',
      `- gRPC throughput: **${fmt(ratios.grpcOfInProcess, 2)}** of in-process (target ≥ 0.8); Connect protocol: ${fmt(ratios.connectOfInProcess, 2)}; REST: ${fmt(ratios.restOfInProcess, 2)}.`,
      `- gRPC against REST at the same load: **${fmt(ratios.grpcOfRest, 2)}×** the throughput (target ≥ 1).`,
      `- A 100-line invoice against a 1-line one (target ≤ 2): **${fmt(ratios.hundredLineCost, 2)}×** the time per invoice (the machine saturated, so every process's work counts), ${ratios.hundredLineCpu === undefined ? 'n/a' : `**${fmt(ratios.hundredLineCpu, 2)}×**`} the CPU of Billing, Product and PostgreSQL together, ${fmt(ratios.hundredLineServicesCpu, 2)}× that of the two services alone.`,
      `  Under load, concurrent invoices share GetPrices calls (docs/billing.md, "Shared calls under load"), of up to ${GET_PRICES_MAX_IDS} ids: up to`,
      `  ${Math.floor(GET_PRICES_MAX_IDS / MAX_LINES)} 100-line invoices. Here each 1-line and 100-line invoice names other products than the one before it (${fmt(PRODUCTS)} in turn),`,
      '  so a shared call asks for every invoice\'s ids: only the call\'s own cost is shared. (The 3-line invoices above all name the same three.)',
    ].join('\n'),
  );
  for (const [name, value] of Object.entries(ratios)) console.log(`  ${name.padEnd(16)} ${fmt(value, 2)}`);
  return ratios;
}

const PACED_NOTE = 'autocannon at a fixed rate on 8 connections, bench/support/paced-load.ts';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
