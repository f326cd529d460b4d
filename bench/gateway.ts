/**
 * The local gateway's cost: the same GET straight to a service and through the gateway (JWT authorizer with a
 * real cognito-local token, throttle set out of the way, proxy), alternating rounds in one run; then both at
 * the same fixed rate, half the gateway's maximum, to see the latency it adds when not saturated.
 * Targets: ≥ 0.5 of direct throughput; added p99 ≤ 5 ms at half load.
 *
 * The service is a bare node:http JSON server (bench/support/bare-json-server.ts) unless BENCH_UPSTREAM_URL
 * names a running one; BENCH_GATEWAY_PATH picks the route (default: a user route, so the authorizer runs).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startChildService, type RunningChild } from '../services/local/child-service';
import { freePort } from '../services/local/free-port';
import { benchUser } from './support/cognito-user';
import { fmt, load, machineLine, medianFigures, writeSection, type LoadFigures } from './support/report';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUTE_PATH = process.env.BENCH_GATEWAY_PATH ?? '/billing/invoices/3f0c9a52-6a43-4c1e-9a57-1b2c3d4e5f60';

export interface Result {
  readonly direct: LoadFigures;
  readonly gateway: LoadFigures;
  /** Gateway throughput over direct throughput (target ≥ 0.5). */
  readonly ratio: number;
  /** The fixed offered load of the second phase: half the gateway's maximum. */
  readonly halfLoadRate: number;
  readonly directAtHalf: LoadFigures;
  readonly gatewayAtHalf: LoadFigures;
  /** p99 through the gateway minus p99 direct, both at half load (target ≤ 5 ms). */
  readonly addedP99Ms: number;
}

export async function run(): Promise<Result> {
  const dir = await mkdtemp(path.join(tmpdir(), 'platform-bench-gateway-'));
  const children: RunningChild[] = [];
  try {
    const user = await benchUser(dir);
    children.push(user.cognito);
    const upstream = await startUpstream(children);
    const gatewayUrl = await startGateway(children, upstream, user.env);
    const headers = { authorization: `Bearer ${user.accessToken}` };
    await expectOk(`${gatewayUrl}${ROUTE_PATH}`, headers);
    const direct = `${upstream}${ROUTE_PATH}`;
    const through = `${gatewayUrl}${ROUTE_PATH}`;
    return await measure(direct, through, headers);
  } finally {
    for (const child of children.reverse()) await child.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(direct: string, through: string, headers: Record<string, string>): Promise<Result> {
  // Warm-up: JIT, connection pools, the token cache.
  await load({ url: direct, seconds: 2, headers });
  await load({ url: through, seconds: 2, headers });
  const runs = { direct: [] as LoadFigures[], gateway: [] as LoadFigures[] };
  for (let round = 1; round <= ROUNDS; round++) {
    runs.direct.push(await load({ url: direct, seconds: SECONDS, headers }));
    runs.gateway.push(await load({ url: through, seconds: SECONDS, headers }));
    const [d, g] = [runs.direct.at(-1) as LoadFigures, runs.gateway.at(-1) as LoadFigures];
    console.log(`  round ${round}/${ROUNDS}: direct ${fmt(d.requestsPerSecond)} req/s, gateway ${fmt(g.requestsPerSecond)} req/s`);
  }
  const [d, g] = [medianFigures(runs.direct), medianFigures(runs.gateway)];
  const halfLoadRate = Math.max(1, Math.round(g.requestsPerSecond / 2));
  const directAtHalf = await load({ url: direct, seconds: SECONDS, headers, overallRate: halfLoadRate });
  const gatewayAtHalf = await load({ url: through, seconds: SECONDS, headers, overallRate: halfLoadRate });
  const result: Result = {
    direct: d,
    gateway: g,
    ratio: g.requestsPerSecond / d.requestsPerSecond,
    halfLoadRate,
    directAtHalf,
    gatewayAtHalf,
    addedP99Ms: gatewayAtHalf.p99Ms - directAtHalf.p99Ms,
  };
  await report(result);
  return result;
}

async function startUpstream(children: RunningChild[]): Promise<string> {
  const given = process.env.BENCH_UPSTREAM_URL?.replace(/\/+$/, '');
  if (given) return given;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  children.push(
    await startChildService({
      name: 'bare-json',
      entry: 'bench/support/bare-json-server.ts',
      readyUrl: `${url}/health/ready`,
      output: 'ignore',
      env: { PORT: String(port) },
    }),
  );
  return url;
}

async function startGateway(children: RunningChild[], upstream: string, cognito: Record<string, string>): Promise<string> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  children.push(
    await startChildService({
      name: 'gateway',
      entry: 'services/gateway/main.ts',
      readyUrl: `${url}/health`,
      output: 'ignore',
      readyTimeoutMs: 60_000,
      env: {
        ...cognito,
        GATEWAY_PORT: String(port),
        GATEWAY_HOST: '127.0.0.1',
        // Far above what two cores can serve: this measures the gateway, not its throttle.
        GATEWAY_RATE_LIMIT: '1000000',
        GATEWAY_BURST_LIMIT: '1000000',
        IDENTITY_URL: upstream,
        PRODUCT_URL: upstream,
        BILLING_URL: upstream,
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      },
    }),
  );
  return url;
}

async function expectOk(url: string, headers: Record<string, string>): Promise<void> {
  const response = await fetch(url, { headers });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
}

async function report(r: Result): Promise<void> {
  const row = (name: string, f: LoadFigures) =>
    `| ${name} | ${fmt(f.requestsPerSecond)} | ${fmt(f.p50Ms)} ms | ${fmt(f.p99Ms)} ms | ${f.errors + f.non2xx} |`;
  await writeSection(
    'Gateway',
    [
      `Machine: ${machineLine()}. \`GET ${ROUTE_PATH}\` with a real cognito-local access token; autocannon, 50`,
      `connections; median of ${ROUNDS} rounds × ${SECONDS} s, direct and gateway alternating. The service is`,
      `${process.env.BENCH_UPSTREAM_URL ? process.env.BENCH_UPSTREAM_URL : 'a bare node:http JSON server'}; the gateway runs its access log at info.`,
      '',
      '| path | req/s | p50 | p99 | errors |',
      '|---|---|---|---|---|',
      row('direct to the service (baseline)', r.direct),
      row('through the gateway (JWT, throttle, proxy)', r.gateway),
      row(`direct at ${fmt(r.halfLoadRate)} req/s (half the gateway's max)`, r.directAtHalf),
      row(`through the gateway at ${fmt(r.halfLoadRate)} req/s`, r.gatewayAtHalf),
      '',
      `**Ratio: ${fmt(r.ratio, 2)}** of direct throughput (target ≥ 0.5). **Added p99 at half load: ${fmt(r.addedP99Ms, 1)} ms** (target ≤ 5 ms).`,
    ].join('\n'),
  );
  console.log(
    `gateway: ${fmt(r.gateway.requestsPerSecond)} vs direct ${fmt(r.direct.requestsPerSecond)} req/s → ratio ${fmt(r.ratio, 2)} (target ≥ 0.5); ` +
      `added p99 at ${fmt(r.halfLoadRate)} req/s: ${fmt(r.addedP99Ms, 1)} ms (target ≤ 5)`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
