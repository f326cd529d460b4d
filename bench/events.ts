/**
 * The event bus end to end: producer commit (outbox row) → relay → SNS → SQS → consumer commit (inbox + effect).
 * 1. Latency at a fixed 200 events/s: p50 and p99 (targets: p99 ≤ 100 ms).
 * 2. Max sustained rate: offered rates step up; the highest one delivered in full with p99 under a second.
 *    (target ≥ 500 events/s). Everything runs on this machine: PostgreSQL, fauxqs, producer and consumer.
 */
import { pathToFileURL } from 'node:url';
import { benchDatabaseServer } from './support/database';
import { startEventFlow, type EventFlow } from './support/event-flow';
import { fmt, machineLine, writeSection } from './support/report';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const STEP_SECONDS = Math.max(3, Math.round(SECONDS / 2));
const STEPS = [300, 500, 750, 1_000, 1_500];
const MAX_IN_FLIGHT = 40; // producer transactions at once; bounded so an overloaded step cannot pile up

interface Phase {
  readonly rate: number;
  readonly produced: number;
  readonly delivered: number;
  readonly deliveredPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU ms per delivered event: producer process (with relay), consumer process. */
  readonly cpuPerEvent: { readonly producer: number; readonly consumer: number };
}

/** Offers `rate` events/s for `seconds`, then waits (bounded) for their effects. */
async function phase(flow: EventFlow, rate: number, seconds: number): Promise<Phase> {
  const ids: string[] = [];
  const pending = new Set<Promise<unknown>>();
  const cpuBefore = flow.cpuMs();
  const started = Date.now();
  for (let elapsed = 0; elapsed < seconds * 1_000; elapsed = Date.now() - started) {
    const due = Math.floor((elapsed / 1_000) * rate) - ids.length - pending.size;
    for (let i = 0; i < due && pending.size < MAX_IN_FLIGHT; i++) {
      const write: Promise<unknown> = flow.produce().then((id) => ids.push(id)).finally(() => pending.delete(write));
      pending.add(write);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(pending);
  const offeredMs = Date.now() - started;
  for (let waited = 0; waited < 10_000 && flow.latencies(ids).length < ids.length; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const latencies = flow.latencies(ids).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const cpu = flow.cpuMs();
  const perEvent = (after: number, before: number) => (after - before) / Math.max(1, latencies.length);
  return {
    rate,
    produced: ids.length,
    delivered: latencies.length,
    deliveredPerSecond: (latencies.length / offeredMs) * 1_000,
    p50: at(0.5),
    p99: at(0.99),
    cpuPerEvent: { producer: perEvent(cpu.producer, cpuBefore.producer), consumer: perEvent(cpu.consumer, cpuBefore.consumer) },
  };
}

const cpuLine = (p: Phase) => `CPU/event ${fmt(p.cpuPerEvent.producer, 2)} ms producer + ${fmt(p.cpuPerEvent.consumer, 2)} ms consumer`;

const sustained = (p: Phase) => p.delivered === p.produced && p.produced >= p.rate * STEP_SECONDS * 0.95 && p.p99 <= 1_000;

export async function run(): Promise<{ p99Ms: number; maxEventsPerSecond: number }> {
  const server = await benchDatabaseServer();
  const flow = await startEventFlow(await server.database(`bench_events_${Date.now().toString(36)}`));
  const steps: Phase[] = [];
  let steady: Phase;
  try {
    await phase(flow, 100, 2); // warm-up: JIT, pools, keep-alive connections
    steady = await phase(flow, 200, SECONDS);
    console.log(`  200/s: p50 ${fmt(steady.p50, 1)} ms, p99 ${fmt(steady.p99, 1)} ms (${steady.delivered}/${steady.produced}), ${cpuLine(steady)}`);
    for (const rate of STEPS) {
      const step = await phase(flow, rate, STEP_SECONDS);
      steps.push(step);
      console.log(`  ${rate}/s offered: ${fmt(step.deliveredPerSecond)} delivered/s, p99 ${fmt(step.p99)} ms (${step.delivered}/${step.produced}), ${cpuLine(step)}`);
      if (!sustained(step)) break;
    }
  } finally {
    await flow.close();
    await server.stop();
  }
  const max = steps.filter(sustained).at(-1)?.rate ?? 0;
  await report(steady, steps, max);
  return { p99Ms: steady.p99, maxEventsPerSecond: max };
}

async function report(steady: Phase, steps: Phase[], max: number): Promise<void> {
  const row = (p: Phase) => `| ${fmt(p.rate)} | ${fmt(p.deliveredPerSecond)} | ${fmt(p.p50, 1)} ms | ${fmt(p.p99, 1)} ms | ${p.delivered}/${p.produced} | ${sustained(p) ? 'yes' : 'no'} |`;
  await writeSection(
    'Event bus',
    [
      `Machine: ${machineLine()}. One process produces (one transaction per event, outbox row + NOTIFY) and consumes`,
      '(2 pollers, inbox + effect in one transaction); fauxqs runs as a child process, PostgreSQL beside them. Latency is',
      `producer commit → consumer commit. ${SECONDS} s at 200 events/s, then ${STEP_SECONDS} s per offered rate.`,
      '',
      `**At 200 events/s: p50 ${fmt(steady.p50, 1)} ms, p99 ${fmt(steady.p99, 1)} ms** (target p99 ≤ 100 ms; ${steady.delivered}/${steady.produced} delivered).`,
      '',
      '| offered events/s | delivered/s | p50 | p99 | delivered | sustained |',
      '|---|---|---|---|---|---|',
      ...steps.map(row),
      '',
      `**Max sustained: ${fmt(max)} events/s** (target ≥ 500): the highest offered rate delivered in full with p99 ≤ 1 s.`,
    ].join('\n'),
  );
  console.log(`event bus: p99 ${fmt(steady.p99, 1)} ms at 200/s (target ≤ 100), max sustained ${fmt(max)}/s (target ≥ 500)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
