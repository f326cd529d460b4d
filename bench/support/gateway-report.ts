/** The "## Gateway" section of docs/benchmarks.md: one table per service the gateway was put in front of. */
import type { Measurement, Result } from '../gateway';
import { PACED_CONNECTIONS } from './paced-load';
import { fmt, machineLine, writeSection, type LoadFigures } from './report';

const row = (name: string, f: LoadFigures) =>
  `| ${name} | ${fmt(f.requestsPerSecond)} | ${fmt(f.p50Ms, 1)} ms | ${fmt(f.p99Ms, 1)} ms | ${f.errors + f.non2xx} |`;

function table(m: Measurement): string[] {
  return [
    `### In front of ${m.describe}: \`GET ${m.path.replace(/[0-9a-f-]{36}/, '{id}')}\``,
    '',
    '| path | req/s | p50 | p99 | errors |',
    '|---|---|---|---|---|',
    row('direct to the service (baseline)', m.direct),
    row('through a bare undici proxy (the floor for one hop)', m.bareProxy),
    row('through the gateway', m.gateway),
    row(`direct at ${fmt(m.halfLoadRate)} req/s (half the gateway's max)*`, m.directAtHalf),
    row(`through the gateway at ${fmt(m.halfLoadRate)} req/s*`, m.gatewayAtHalf),
    '',
    `**Ratio: ${fmt(m.ratio, 2)}** of direct throughput (target ≥ 0.5); ${fmt(m.gateway.requestsPerSecond / m.bareProxy.requestsPerSecond, 2)} of the bare proxy's. ` +
      `**Added p99 at half load: ${fmt(m.addedP99Ms, 1)} ms** (target ≤ 5 ms).`,
    '',
    ...hostileTable(m),
  ];
}

function hostileTable(m: Measurement): string[] {
  const h = m.besideSlowClients;
  const statuses = Object.entries(h.slowStatuses).map(([status, n]) => `${n} × ${status}`).join(', ') || 'none';
  return [
    `Beside ${h.slowClients} hostile slow clients (another loopback address, a body a byte every 2 s on \`POST /identity/signup\`), in turn with quiet runs:`,
    '',
    '| normal clients through the gateway | req/s | p50 | p99 | errors |',
    '|---|---|---|---|---|',
    row('quiet, as fast as possible', h.quiet),
    row(`beside ${h.slowClients} slow clients, as fast as possible`, h.hostile),
    row(`quiet at ${fmt(h.pacedRate)} req/s*`, h.quietAtRate),
    row(`beside the slow clients at ${fmt(h.pacedRate)} req/s*`, h.hostileAtRate),
    '',
    `**Throughput ratio: ${fmt(h.throughputRatio, 2)}** (target ≥ 0.9); **p99 ratio: ${fmt(h.p99Ratio, 2)}** (target ≤ 1.1), at full ` +
      'throughput, where the answers wait their turn behind the slow clients if anywhere. Latencies are each response\'s own ' +
      `time (process.hrtime), not autocannon's whole-millisecond histogram. The slow clients' answers: ${statuses}.`,
    '',
  ];
}

export async function writeGatewaySection(result: Result): Promise<void> {
  await writeSection(
    'Gateway',
    [
      `Machine: ${machineLine()}. Every request carries a real cognito-local access token; the gateway runs with`,
      `its access log at info and its throttle set out of the way. autocannon, 50 connections, median of`,
      `${result.rounds} rounds × ${result.seconds} s, the three paths in turn.`,
      '',
      ...result.measurements.flatMap(table),
      `\\* autocannon \`overallRate\`, ${PACED_CONNECTIONS} connections, coordinated-omission correction off: autocannon spends each`,
      "connection's share of a second back to back, so 50 connections would mean a saturated burst at the start of",
      'every second, not half load (bench/support/paced-load.ts).',
      '',
      'In front of the stand-in, which does no work, the extra HTTP hop is most of what is measured: each request',
      'is parsed and written twice more, on the same two cores as the service and the load generator, so the bare',
      'proxy is the ceiling for any proxy there. The route is a user route: the JWT authorizer runs (token cache',
      'hit) on every request. In front of Product the route is public, and the hop is a smaller share of the work;',
      'the gateway stays close to the bare proxy there.',
    ].join('\n'),
  );
}
