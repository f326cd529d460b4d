/**
 * The local gateway's cost: the same GET straight to a service, through a bare undici proxy (the floor any
 * proxy hop costs) and through the gateway (JWT authorizer with a real cognito-local token, throttle set out
 * of the way, proxy, access log), in turn, in one run; then direct and gateway at the same fixed rate, half the
 * gateway's maximum, to see the latency it adds when not saturated.
 * Targets: ≥ 0.5 of direct throughput; added p99 ≤ 5 ms at half load.
 *
 * Then normal load beside hostile slow clients (bench/support/gateway-hostile.ts): 130 connections from another
 * loopback address sending a body a byte every 2 s. Targets: throughput ≥ 0.9 and p99 ≤ 1.1 of the run without them.
 *
 * BENCH_GATEWAY_UPSTREAMS picks the services (bench/support/gateway-upstreams.ts): `stand-in,product` by default.
 * BENCH_SMOKE=1: one short round in front of the stand-in, printed, not written to docs/benchmarks.md (a check that
 * the benchmark runs, not a measurement). BENCH_GATEWAY_SLOW_CLIENTS: how many slow clients (130).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchUser } from './support/cognito-user';
import { measureBesideSlowClients, type HostileMeasurement } from './support/gateway-hostile';
import { writeGatewaySection } from './support/gateway-report';
import { startBenchChild, startBenchUpstream, type BenchUpstream, type UpstreamKind } from './support/gateway-upstreams';
import { pacedLoad } from './support/paced-load';
import { fmt, load, medianFigures, type LoadFigures } from './support/report';

const SMOKE = process.env.BENCH_SMOKE === '1';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (SMOKE ? 1 : 3));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (SMOKE ? 2 : 8));
const UPSTREAMS = (process.env.BENCH_GATEWAY_UPSTREAMS ?? (SMOKE ? 'stand-in' : 'stand-in,product')).split(',').map((s) => s.trim()) as UpstreamKind[];
const SLOW_CLIENTS = Number(process.env.BENCH_GATEWAY_SLOW_CLIENTS ?? 130);

export interface Measurement {
  readonly upstream: string;
  readonly describe: string;
  readonly path: string;
  readonly direct: LoadFigures;
  readonly bareProxy: LoadFigures;
  readonly gateway: LoadFigures;
  /** Gateway throughput over direct throughput (target ≥ 0.5). */
  readonly ratio: number;
  /** The fixed offered load of the second phase: half the gateway's maximum. */
  readonly halfLoadRate: number;
  readonly directAtHalf: LoadFigures;
  readonly gatewayAtHalf: LoadFigures;
  /** p99 through the gateway minus p99 direct, both at half load (target ≤ 5 ms). */
  readonly addedP99Ms: number;
  /** Normal load through the gateway without and beside hostile slow clients. */
  readonly besideSlowClients: HostileMeasurement;
}

export interface Result {
  readonly measurements: readonly Measurement[];
  readonly rounds: number;
  readonly seconds: number;
}

export async function run(): Promise<Result> {
  const dir = await mkdtemp(path.join(tmpdir(), 'platform-bench-gateway-'));
  const user = await benchUser(dir);
  const measurements: Measurement[] = [];
  try {
    for (const kind of UPSTREAMS) {
      const upstream = await startBenchUpstream(kind, user.env);
      try {
        console.log(`gateway bench in front of ${upstream.describe}`);
        measurements.push(await inFrontOf(upstream, user.env, { authorization: `Bearer ${user.accessToken}` }));
      } finally {
        await upstream.stop();
      }
    }
  } finally {
    await user.cognito.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const result = { measurements, rounds: ROUNDS, seconds: SECONDS };
  if (SMOKE) console.log('smoke run: docs/benchmarks.md left as it is');
  else await writeGatewaySection(result);
  return result;
}

async function inFrontOf(upstream: BenchUpstream, cognitoEnv: Record<string, string>, headers: Record<string, string>) {
  const gateway = await startBenchChild('gateway', 'services/gateway/main.ts', {
    portVariable: 'GATEWAY_PORT',
    env: {
      ...cognitoEnv,
      GATEWAY_HOST: '127.0.0.1',
      // Far above what two cores can serve: this measures the gateway, not its throttle.
      GATEWAY_RATE_LIMIT: '1000000',
      GATEWAY_BURST_LIMIT: '1000000',
      IDENTITY_URL: upstream.url,
      PRODUCT_URL: upstream.url,
      BILLING_URL: upstream.url,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    },
  });
  const proxy = await startBenchChild('bare-proxy', 'bench/support/bare-proxy.ts', { env: { UPSTREAM_URL: upstream.url } });
  try {
    const bases = { direct: upstream.url, bareProxy: proxy.url, gateway: gateway.url };
    for (const base of Object.values(bases)) await expectOk(`${base}${upstream.path}`, headers);
    return await measure(upstream, bases, headers);
  } finally {
    await Promise.all([gateway.stop(), proxy.stop()]);
  }
}

type Target = 'direct' | 'bareProxy' | 'gateway';

async function measure(upstream: BenchUpstream, bases: Record<Target, string>, headers: Record<string, string>): Promise<Measurement> {
  const targets = Object.keys(bases) as Target[];
  const url = (target: Target) => `${bases[target]}${upstream.path}`;
  // Warm-up: JIT, connection pools, prepared statements, the token cache.
  for (const target of targets) await load({ url: url(target), seconds: 2, headers });
  const runs: Record<Target, LoadFigures[]> = { direct: [], bareProxy: [], gateway: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const target of targets) runs[target].push(await load({ url: url(target), seconds: SECONDS, headers }));
    const line = targets.map((t) => `${t} ${fmt((runs[t].at(-1) as LoadFigures).requestsPerSecond)}`).join(', ');
    console.log(`  round ${round}/${ROUNDS} (req/s): ${line}`);
  }
  const [direct, bareProxy, gateway] = targets.map((t) => medianFigures(runs[t])) as [LoadFigures, LoadFigures, LoadFigures];
  const halfLoadRate = Math.max(1, Math.round(gateway.requestsPerSecond / 2));
  const directAtHalf = await pacedLoad(url('direct'), halfLoadRate, SECONDS, headers);
  const gatewayAtHalf = await pacedLoad(url('gateway'), halfLoadRate, SECONDS, headers);
  const ratio = gateway.requestsPerSecond / direct.requestsPerSecond;
  const addedP99Ms = gatewayAtHalf.p99Ms - directAtHalf.p99Ms;
  console.log(`  ratio ${fmt(ratio, 2)} (target ≥ 0.5); added p99 at ${fmt(halfLoadRate)} req/s: ${fmt(addedP99Ms, 1)} ms (target ≤ 5)`);
  const besideSlowClients = await measureBesideSlowClients({
    gatewayUrl: bases.gateway,
    normalPath: upstream.path,
    headers,
    // A public route with a body, which the gateway reads whole: an authenticated one would answer 401 unread.
    slow: { path: '/identity/signup', count: SLOW_CLIENTS, localAddress: '127.0.0.2', byteEveryMs: 2_000 },
    rounds: ROUNDS,
    seconds: SECONDS,
    pacedRate: halfLoadRate,
  });
  const { name, describe, path: route } = upstream;
  return {
    upstream: name,
    describe,
    path: route,
    direct,
    bareProxy,
    gateway,
    ratio,
    halfLoadRate,
    directAtHalf,
    gatewayAtHalf,
    addedP99Ms,
    besideSlowClients,
  };
}

async function expectOk(url: string, headers: Record<string, string>): Promise<void> {
  const response = await fetch(url, { headers });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
