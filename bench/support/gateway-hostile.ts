/**
 * Hostile slow clients beside normal load: `count` connections from another loopback address (FACTS.md: any
 * 127.0.0.0/8 address is local), each announcing a 1 MB body on a public body route and sending one byte of it
 * every `byteEveryMs`, as in the attack that once hung every Identity route. A connection the gateway closes (its
 * body deadline, a cap) is opened again, so the pressure stays constant for as long as the phase runs.
 *
 * The normal clients' figures are measured in turn without and with them, in the same run; the ratios are what
 * count (target: throughput ≥ 0.9 of the quiet run's, p99 ≤ 1.1 of it).
 */
import { connect, type Socket } from 'node:net';
import { pacedLoad } from './paced-load';
import { load, medianFigures, type LoadFigures } from './report';

export interface SlowClientOptions {
  readonly url: string;
  /** A public route that takes a body, so the gateway reads it (an authenticated one would answer 401 first). */
  readonly path: string;
  readonly count: number;
  readonly localAddress: string;
  readonly byteEveryMs: number;
}

export interface SlowClients {
  /** Connections opened in all, re-openings included. */
  readonly opened: () => number;
  /** Answers the slow clients got, by status (408 at the body deadline, 429 past a cap). */
  readonly statuses: Map<number, number>;
  stop(): void;
}

export function startSlowClients(options: SlowClientOptions): SlowClients {
  const { hostname, port } = new URL(options.url);
  const sockets = new Set<Socket>();
  const statuses = new Map<number, number>();
  let opened = 0;
  let running = true;
  const head = `POST ${options.path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`;

  const open = () => {
    if (!running) return;
    opened++;
    const socket = connect({ host: hostname, port: Number(port), localAddress: options.localAddress }, () => socket.write(head));
    sockets.add(socket);
    socket.once('data', (chunk: Buffer) => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1', 0, 16))?.[1] ?? 0);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    });
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      sockets.delete(socket);
      // Not at once: a gateway refusing every connection must not turn this into a connect loop.
      if (running) setTimeout(open, 100).unref();
    });
  };

  for (let i = 0; i < options.count; i++) open();
  const drip = setInterval(() => {
    for (const socket of sockets) if (socket.writable) socket.write('x');
  }, options.byteEveryMs);
  return {
    opened: () => opened,
    statuses,
    stop: () => {
      running = false;
      clearInterval(drip);
      for (const socket of sockets) socket.destroy();
    },
  };
}

export interface HostileMeasurement {
  readonly slowClients: number;
  readonly quiet: LoadFigures;
  readonly hostile: LoadFigures;
  readonly pacedRate: number;
  readonly quietAtRate: LoadFigures;
  readonly hostileAtRate: LoadFigures;
  /** Normal throughput beside the slow clients over without them (target ≥ 0.9). */
  readonly throughputRatio: number;
  /**
   * Normal p99 beside the slow clients over without them, at full throughput (target ≤ 1.1), where answers wait
   * their turn behind the slow clients if anywhere; the paced figures are reported beside it.
   */
  readonly p99Ratio: number;
  readonly slowStatuses: Readonly<Record<string, number>>;
}

export interface HostileOptions {
  readonly gatewayUrl: string;
  /** The normal clients' request. */
  readonly normalPath: string;
  readonly headers: Record<string, string>;
  readonly slow: Omit<SlowClientOptions, 'url'>;
  readonly rounds: number;
  readonly seconds: number;
  readonly pacedRate: number;
}

/** Quiet and hostile runs in turn, `rounds` times each; medians of each kind. */
export async function measureBesideSlowClients(options: HostileOptions): Promise<HostileMeasurement> {
  const url = `${options.gatewayUrl}${options.normalPath}`;
  const runs = { quiet: [] as LoadFigures[], hostile: [] as LoadFigures[], quietAtRate: [] as LoadFigures[], hostileAtRate: [] as LoadFigures[] };
  const statuses = new Map<number, number>();
  for (let round = 1; round <= options.rounds; round++) {
    runs.quiet.push(await load({ url, seconds: options.seconds, headers: options.headers }));
    runs.quietAtRate.push(await pacedLoad(url, options.pacedRate, options.seconds, options.headers));
    const slow = startSlowClients({ url: options.gatewayUrl, ...options.slow });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500)); // all connected and waiting on their bodies
      runs.hostile.push(await load({ url, seconds: options.seconds, headers: options.headers }));
      runs.hostileAtRate.push(await pacedLoad(url, options.pacedRate, options.seconds, options.headers));
    } finally {
      slow.stop();
      for (const [status, n] of slow.statuses) statuses.set(status, (statuses.get(status) ?? 0) + n);
    }
    const last = (list: LoadFigures[]) => (list.at(-1) as LoadFigures).requestsPerSecond.toFixed(0);
    console.log(`  hostile round ${round}/${options.rounds} (req/s): quiet ${last(runs.quiet)}, beside ${options.slow.count} slow clients ${last(runs.hostile)}`);
  }
  const [quiet, hostile, quietAtRate, hostileAtRate] = [runs.quiet, runs.hostile, runs.quietAtRate, runs.hostileAtRate].map(medianFigures) as [
    LoadFigures,
    LoadFigures,
    LoadFigures,
    LoadFigures,
  ];
  const throughputRatio = hostile.requestsPerSecond / quiet.requestsPerSecond;
  const p99Ratio = hostile.p99Ms / Math.max(quiet.p99Ms, 0.001);
  console.log(`  beside slow clients: throughput ratio ${throughputRatio.toFixed(2)} (target ≥ 0.9), p99 ratio ${p99Ratio.toFixed(2)} (target ≤ 1.1)`);
  return {
    slowClients: options.slow.count,
    quiet,
    hostile,
    pacedRate: options.pacedRate,
    quietAtRate,
    hostileAtRate,
    throughputRatio,
    p99Ratio,
    slowStatuses: Object.fromEntries([...statuses].map(([status, n]) => [String(status), n])),
  };
}
