/**
 * The event bus end to end: producer commit (outbox row) → relay → SNS → SQS → consumer commit (inbox + effect).
 * 1. Latency at a fixed 200 events/s, p50 and p99 (target p99 ≤ 100 ms), beside the bare bus (publish → receive,
 *    no database) in alternating rounds of the same run.
 * 2. Max sustained rate: offered rates step up; the highest one delivered in full with p99 ≤ 1 s
 *    (target ≥ 500 events/s). PostgreSQL, fauxqs, producer and consumer all share this machine.
 */
import { pathToFileURL } from 'node:url';
import { benchDatabaseServer } from './support/database';
import { startEventFlow, type EventFlow } from './support/event-flow';
import { fmt, machineLine, median, writeSection } from './support/report';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Math.max(3, Math.round(Number(process.env.BENCH_SECONDS ?? 8) / 2));
const STEPS = [300, 500, 750, 1_000, 1_500];
const MAX_IN_FLIGHT = 40; // sends at once; bounded so an overloaded step cannot pile up

interface Source {
  send(): Promise<string>;
  latencies(ids: readonly string[]): number[];
}

interface Phase {
  readonly rate: number;
  readonly sent: number;
  readonly delivered: number;
  readonly deliveredPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU ms per delivered event in the producer (with relay) and the consumer processes. */
  readonly cpu: { readonly producer: number; readonly consumer: number };
}

/** Offers `rate`/s for `seconds`, then waits (at most 10 s) for the deliveries. */
async function phase(flow: EventFlow, source: Source, rate: number, seconds: number): Promise<Phase> {
  const ids: string[] = [];
  const pending = new Set<Promise<unknown>>();
  const cpuBefore = flow.cpuMs();
  const started = Date.now();
  for (let elapsed = 0; elapsed < seconds * 1_000; elapsed = Date.now() - started) {
    const due = Math.floor((elapsed / 1_000) * rate) - ids.length - pending.size;
    for (let i = 0; i < due && pending.size < MAX_IN_FLIGHT; i++) {
      const send: Promise<unknown> = source.send().then((id) => ids.push(id)).finally(() => pending.delete(send));
      pending.add(send);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(pending);
  const offeredMs = Date.now() - started;
  for (let waited = 0; waited < 10_000 && source.latencies(ids).length < ids.length; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const latencies = source.latencies(ids).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const cpu = flow.cpuMs();
  const perEvent = (after: number, before: number) => (after - before) / Math.max(1, latencies.length);
  return {
    rate,
    sent: ids.length,
    delivered: latencies.length,
    deliveredPerSecond: (latencies.length / offeredMs) * 1_000,
    p50: at(0.5),
    p99: at(0.99),
    cpu: { producer: perEvent(cpu.producer, cpuBefore.producer), consumer: perEvent(cpu.consumer, cpuBefore.consumer) },
  };
}

const sustained = (p: Phase) => p.delivered === p.sent && p.sent >= p.rate * SECONDS * 0.95 && p.p99 <= 1_000;
const line = (p: Phase) =>
  `${fmt(p.deliveredPerSecond)} delivered/s, p50 ${fmt(p.p50, 1)} ms, p99 ${fmt(p.p99, 1)} ms (${p.delivered}/${p.sent}), ` +
  `CPU/event ${fmt(p.cpu.producer, 2)} ms producer + ${fmt(p.cpu.consumer, 2)} ms consumer`;

export async function run(): Promise<{ p99Ms: number; maxEventsPerSecond: number }> {
  const server = await benchDatabaseServer();
  const flow = await startEventFlow(await server.database(`bench_events_${Date.now().toString(36)}`));
  const rounds = { bare: [] as Phase[], flow: [] as Phase[] };
  const steps: Phase[] = [];
  try {
    await phase(flow, flow, 100, 2); // warm-up: JIT, pools, keep-alive connections
    await phase(flow, flow.baseline, 100, 1);
    for (let round = 1; round <= ROUNDS; round++) {
      rounds.bare.push(await phase(flow, flow.baseline, 200, SECONDS));
      rounds.flow.push(await phase(flow, flow, 200, SECONDS));
      console.log(`  round ${round}/${ROUNDS} at 200/s: bare bus p99 ${fmt(rounds.bare.at(-1)!.p99, 1)} ms; outbox → inbox ${line(rounds.flow.at(-1)!)}`);
    }
    for (const rate of STEPS) {
      steps.push(await phase(flow, flow, rate, SECONDS));
      console.log(`  ${rate}/s offered: ${line(steps.at(-1)!)}`);
      if (!sustained(steps.at(-1)!)) break;
    }
  } finally {
    await flow.close();
    await server.stop();
  }
  const max = steps.filter(sustained).at(-1)?.rate ?? 0;
  const p99 = median(rounds.flow.map((p) => p.p99));
  await report(rounds, steps, max);
  return { p99Ms: p99, maxEventsPerSecond: max };
}

async function report(rounds: { bare: Phase[]; flow: Phase[] }, steps: Phase[], max: number): Promise<void> {
  const m = (phases: Phase[], pick: (p: Phase) => number) => median(phases.map(pick));
  const latencyRow = (name: string, phases: Phase[]) =>
    `| ${name} | ${fmt(m(phases, (p) => p.p50), 1)} ms | ${fmt(m(phases, (p) => p.p99), 1)} ms | ${phases.reduce((n, p) => n + p.delivered, 0)}/${phases.reduce((n, p) => n + p.sent, 0)} |`;
  const stepRow = (p: Phase) =>
    `| ${fmt(p.rate)} | ${fmt(p.deliveredPerSecond)} | ${fmt(p.p50, 1)} ms | ${fmt(p.p99, 1)} ms | ${fmt(p.cpu.producer, 2)} + ${fmt(p.cpu.consumer, 2)} ms | ${sustained(p) ? 'yes' : 'no'} |`;
  const p99 = m(rounds.flow, (p) => p.p99);
  await writeSection(
    'Event bus',
    [
      `Machine: ${machineLine()}. The producer process commits one transaction per event (state + outbox row) and runs`,
      'the relay; the consumer is a second process (2 pollers; inbox row + effect in one transaction per event); fauxqs',
      'is a third; PostgreSQL 16 (fsync on) serves both. Latency: producer commit → consumer commit. The bare bus is',
      `the same topic and queue without database (publish → receive). Median of ${ROUNDS} alternating rounds × ${SECONDS} s.`,
      '',
      '| at 200 events/s | p50 | p99 | delivered |',
      '|---|---|---|---|',
      latencyRow('bare bus: PublishBatch → SQS receive (baseline)', rounds.bare),
      latencyRow('outbox → relay → SNS → SQS → inbox + effect', rounds.flow),
      '',
      `**p99 at 200 events/s: ${fmt(p99, 1)} ms** (target ≤ 100 ms).`,
      '',
      '| offered events/s | delivered/s | p50 | p99 | CPU per event (producer + consumer) | sustained |',
      '|---|---|---|---|---|---|',
      ...steps.map(stepRow),
      '',
      `**Max sustained: ${fmt(max)} events/s** (target ≥ 500): the highest offered rate delivered in full with p99 ≤ 1 s, ${SECONDS} s per step.`,
    ].join('\n'),
  );
  console.log(`event bus: p99 ${fmt(p99, 1)} ms at 200/s (target ≤ 100), max sustained ${fmt(max)}/s (target ≥ 500)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
