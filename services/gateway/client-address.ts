/**
 * Who is calling, by address: the socket's peer, or, when that peer is a proxy the operator trusts
 * (GATEWAY_TRUSTED_PROXIES), the address that proxy saw, read from `X-Forwarded-For`.
 *
 * The header is read right to left, and trusted hops are skipped: each proxy appends the address it saw, so the
 * rightmost address that is not a trusted proxy is the first one no trusted party vouches for. Anything to its
 * left was written by the client and is ignored. With no trusted proxy configured (the default), the header is
 * never read: a client cannot choose the address its limits are counted on.
 */
import { BlockList, isIP } from 'node:net';

/** `::ffff:127.0.0.2` (an IPv4 peer on a dual-stack socket) → `127.0.0.2`. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * The key every per-client limit counts an address on (buckets, caps, connections). An IPv4 address is itself, also
 * when IPv4-mapped (`::ffff:1.2.3.4`, or `::ffff:102:304`, as a dual-stack socket or a proxy may write it). An IPv6
 * address counts as its /64 (`2001:db8:1:2::/64`): a subscriber is given a whole /64 or more (RFC 6177), and any host
 * on it picks addresses at will (SLAAC privacy addresses), so keyed per address one attacker had 2^64 fresh buckets.
 * Anything else (no address at all) is its own key.
 */
export function addressKey(address: string): string {
  const groups = ipv6Groups(address);
  if (!groups) return address;
  const [a, b, c, d, e, f, g, h] = groups as [number, number, number, number, number, number, number, number];
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0xffff) return `${g >> 8}.${g & 0xff}.${h >> 8}.${h & 0xff}`;
  return `${[a, b, c, d].map((group) => group.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a dotted IPv4 tail as two groups); else undefined. */
function ipv6Groups(address: string): number[] | undefined {
  // A zone (`fe80::1%eth0`) names the interface, not the address.
  const plain = address.split('%')[0] as string;
  if (isIP(plain) !== 6) return undefined;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(plain);
  const hex = dotted ? `${plain.slice(0, dotted.index)}${(Number(dotted[1]) * 256 + Number(dotted[2])).toString(16)}:${(Number(dotted[3]) * 256 + Number(dotted[4])).toString(16)}` : plain;
  const [head = '', tail] = hex.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const [left, right] = [parse(head), parse(tail ?? '')];
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** Parses `10.0.0.1, 10.1.0.0/16, ::1`; throws naming the entry that is neither an address nor a CIDR block. */
export function parseTrustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/') as [string, string | undefined, string | undefined];
    const family = isIP(address);
    const maxBits = family === 6 ? 128 : 32;
    // Digits only: Number() alone would take `8 ` or `1e1`.
    const validPrefix = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxBits);
    if (family === 0 || extra !== undefined || !validPrefix) {
      throw new Error(`"${entry}" is not an IP address or a CIDR block (like 10.0.0.0/8)`);
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

export class ClientAddresses {
  private readonly trusted: BlockList | undefined;

  constructor(trustedProxies: readonly string[] = []) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a shortcut only; an empty list trusts no
    // address either, but would cost a lookup per request.
    this.trusted = trustedProxies.length > 0 ? parseTrustedProxies(trustedProxies) : undefined;
  }

  /** The client's address for a request that came from `peer` with this `X-Forwarded-For`. */
  resolve(peer: string, forwardedFor: string | string[] | undefined): string {
    const address = plainAddress(peer);
    if (!this.trusted || forwardedFor === undefined || !this.isTrusted(address)) return address;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
    let client = address;
    // Bounded by the header's size (node caps headers at 16 KiB).
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = plainAddress((hops[i] as string).trim());
      // A hop that is no address was not written by a trusted proxy: the last trusted one is the client we know.
      if (isIP(hop) === 0) return client;
      client = hop;
      if (!this.isTrusted(hop)) return hop;
    }
    return client;
  }

  /** Whether `address` is one of GATEWAY_TRUSTED_PROXIES (always false when none is configured). */
  isTrustedProxy(address: string): boolean {
    return this.trusted !== undefined && this.isTrusted(address);
  }

  private isTrusted(address: string): boolean {
    // Not an address at all (isIP 0): the list holds none such, and check() says so.
    // Stryker disable next-line StringLiteral: equivalent, as check() reads an IPv6 address as one without a type.
    return (this.trusted as BlockList).check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
}
