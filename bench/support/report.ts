/** Shared bits of the benchmarks: load runs, medians, and the docs/benchmarks.md sections they write. */
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import autocannon from 'autocannon';

export interface LoadFigures {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
  /** CPU time the server process spent per answered request, when its pid was given (Linux only). */
  readonly cpuMicrosPerRequest?: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly seconds: number;
  readonly connections?: number;
  readonly headers?: Record<string, string>;
  /** @default GET */
  readonly method?: 'GET' | 'POST';
  /** Sent with every request (a POST's JSON); a function gives each request its own (called once per request). */
  readonly body?: string | (() => string);
  /** Fixed offered load in requests/s across all connections; unset means as fast as possible. */
  readonly overallRate?: number;
  /** Turn off autocannon's coordinated-omission correction (see paced-load.ts for when it misleads). */
  readonly ignoreCoordinatedOmission?: boolean;
  /** The server's process id: its CPU time per request is measured over the run. */
  readonly pid?: number;
}

/** autocannon's per-request hook: the request it would send, with the next body. */
const bodyEach =
  (next: () => string) =>
  (request: autocannon.Request): autocannon.Request => ({ ...request, body: next() });

/** One bounded autocannon run against a loopback URL. */
export async function load(options: LoadOptions): Promise<LoadFigures> {
  if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(options.url)) throw new Error(`refusing to load ${options.url}: loopback only`);
  const cpuBefore = options.pid === undefined ? undefined : processCpuSeconds(options.pid);
  const settings: autocannon.Options = {
    url: options.url,
    connections: options.connections ?? 50,
    duration: options.seconds,
    headers: options.headers ?? {},
    ...(options.method ? { method: options.method } : {}),
    ...(typeof options.body === 'string' ? { body: options.body } : {}),
    ...(typeof options.body === 'function' ? { requests: [{ setupRequest: bodyEach(options.body) }] } : {}),
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    ...(options.ignoreCoordinatedOmission ? { ignoreCoordinatedOmission: true } : {}),
  };
  // autocannon's histogram keeps whole milliseconds; each response's own time (process.hrtime) is finer, so the
  // percentiles come from those: at a 6 ms p99 one millisecond is 17 %, more than a 10 % target can tell.
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(settings, (error: Error | null, done: autocannon.Result) => (error ? reject(error) : resolve(done)));
    run.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
  latencies.sort((a, b) => a - b);
  const percentile = (p: number, fallback: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! : fallback);
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: percentile(0.5, result.latency.p50),
    p99Ms: percentile(0.99, result.latency.p99),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    ...cpuPerRequest(options.pid, cpuBefore, result.requests.total),
  };
}

/**
 * Throughput moves ±20–25% on a shared two-core machine; CPU per request hardly moves, so it says where a
 * difference comes from. Read from /proc (user + system ticks, at Linux's usual 100 per second).
 */
export function processCpuSeconds(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields && (Number(fields[11]) + Number(fields[12])) / 100;
}

/** /proc/<pid>/stat's fields after the command name (utime is [11], stime [12], cutime [13], cstime [14]). */
function statFields(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined;
  }
}

/**
 * A server's CPU seconds, forked workers included: the process, its live children (PostgreSQL's backends, one per
 * connection) and the children it has reaped. Linux only; undefined when the process is gone.
 */
export function serverCpuSeconds(pid: number): number | undefined {
  const own = statFields(pid);
  if (!own) return undefined;
  const ownAndReaped = [11, 12, 13, 14].reduce((ticks, field) => ticks + Number(own[field]), 0) / 100;
  const children = liveChildren(pid);
  return children && children.reduce((sum, child) => sum + (processCpuSeconds(child) ?? 0), ownAndReaped);
}

/** The process's live children, or undefined once it is gone (it can exit between two reads of /proc). */
function liveChildren(pid: number): number[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text ? text.split(' ').map(Number) : [];
  } catch {
    return undefined;
  }
}

function cpuPerRequest(pid: number | undefined, before: number | undefined, requests: number): { cpuMicrosPerRequest?: number } {
  const after = pid === undefined ? undefined : processCpuSeconds(pid);
  if (before === undefined || after === undefined || requests === 0) return {};
  return { cpuMicrosPerRequest: ((after - before) * 1e6) / requests };
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export function medianFigures(runs: LoadFigures[]): LoadFigures {
  return {
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    ...(runs.every((r) => r.cpuMicrosPerRequest !== undefined) ? { cpuMicrosPerRequest: median(runs.map((r) => r.cpuMicrosPerRequest!)) } : {}),
  };
}

/** User + system CPU seconds of this process's waited-for children (Linux /proc; null elsewhere). */
export async function childrenCpuSeconds(): Promise<number | null> {
  const stat = await readFile('/proc/self/stat', 'utf8').catch(() => undefined);
  if (!stat) return null;
  // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17 (1-based).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
}

export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

const FILE = 'docs/benchmarks.md';
const HEADER = '# Benchmarks\n\nWritten by `npm run bench`. Each figure stands beside a baseline measured in the same run on the same\nmachine; only the ratios carry across machines.\n';

/** Replaces (or appends) the `## heading` section of docs/benchmarks.md. */
export async function writeSection(heading: string, body: string): Promise<void> {
  const current = await readFile(FILE, 'utf8').catch(() => HEADER);
  const section = `## ${heading}\n\n${body.trim()}\n`;
  const pattern = new RegExp(`## ${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n[\\s\\S]*?(?=\\n## |$)`);
  const next = pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}`;
  await writeFile(FILE, next);
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
