import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Free ports are taken from below Linux's ephemeral range (32768–60999 unless the host says otherwise). The kernel
 * draws the local ports of outgoing connections from that range, and so does listen(0): a port found free there can
 * be taken by some other connection's local port before whoever asked binds it (a test suite opens thousands of
 * connections while a child process starts). Each process walks its range from a random start, so two processes
 * rarely pick alike. Where no such range exists (another system, or a host whose ephemeral range starts low), the
 * kernel picks.
 */
const EPHEMERAL_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
const SPAN = 12_768;

/** The ports below the ephemeral range, up to SPAN of them; none when fewer than 1,000 fit above port 1024. */
export function portsBelowEphemeral(rangeFile: string | undefined): { readonly low: number; readonly high: number } | undefined {
  const ephemeralLow = Number((rangeFile ?? '').trim().split(/\s+/)[0]);
  if (!Number.isInteger(ephemeralLow) || ephemeralLow - 1024 < 1_000) return undefined;
  return { low: Math.max(1024, ephemeralLow - SPAN), high: ephemeralLow - 1 };
}

function readRangeFile(): string | undefined {
  try {
    return readFileSync(EPHEMERAL_RANGE_FILE, 'utf8');
  } catch {
    return undefined;
  }
}

/** Where this process's walk is; read when first asked. undefined: not read yet; null: the kernel picks. */
let walk: { readonly low: number; readonly high: number; at: number } | null | undefined;

function portWalk(): NonNullable<typeof walk> | null {
  if (walk === undefined) {
    const range = portsBelowEphemeral(readRangeFile());
    walk = range ? { ...range, at: range.low + Math.floor(Math.random() * (range.high - range.low)) } : null;
  }
  return walk;
}

/** The ports this process walks; undefined where the kernel picks. */
export function walkedPorts(): { readonly low: number; readonly high: number } | undefined {
  const current = portWalk();
  return current ? { low: current.low, high: current.high } : undefined;
}

/** Whether nothing listens on this loopback port now; resolves with the port the listener got. */
function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/** A free loopback port, below the ephemeral range when one is free there, else one the kernel picks. */
export async function freePort(): Promise<number> {
  const current = portWalk();
  for (let tries = 0; current && tries < 100; tries++) {
    current.at = current.at >= current.high ? current.low : current.at + 1;
    const port = await tryListen(current.at);
    if (port !== undefined) return port;
  }
  const port = await tryListen(0);
  if (port === undefined) throw new Error('no free loopback port');
  return port;
}
