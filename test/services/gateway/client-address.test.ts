import { describe, expect, it } from 'vitest';
import { addressKey, ClientAddresses, parseTrustedProxies, plainAddress } from '../../../services/gateway/client-address';

// Built inside each test, not while the file is collected, so each mutant of the module is tied to the tests that
// cover it (`npm run mutation`), rather than being a static one that every test must run for.

describe('when no proxy is trusted (the default)', () => {
  const addresses = { resolve: (...a: [string, string | undefined]) => new ClientAddresses().resolve(...a), isTrustedProxy: (a: string) => new ClientAddresses().isTrustedProxy(a) };

  it('then the client is the socket peer, whatever X-Forwarded-For says', () => {
    expect(addresses.resolve('127.0.0.2', '198.51.100.7')).toBe('127.0.0.2');
    expect(addresses.resolve('127.0.0.2', undefined)).toBe('127.0.0.2');
  });

  it('then an IPv4 peer on a dual-stack socket is given plainly', () => {
    expect(addresses.resolve('::ffff:127.0.0.2', undefined)).toBe('127.0.0.2');
  });

  it('then no address is a trusted proxy', () => {
    expect(addresses.isTrustedProxy('127.0.0.1')).toBe(false);
  });
});

describe('when proxies are trusted', () => {
  const trusting = () => new ClientAddresses(['10.0.0.1', '10.1.0.0/16', '::1']);
  const addresses = {
    resolve: (peer: string, header: string | string[] | undefined) => trusting().resolve(peer, header),
    isTrustedProxy: (address: string) => trusting().isTrustedProxy(address),
  };

  it('then from a trusted peer, the rightmost address that is not a trusted proxy is the client', () => {
    expect(addresses.resolve('10.0.0.1', '203.0.113.9, 198.51.100.7')).toBe('198.51.100.7');
    expect(addresses.resolve('10.0.0.1', '203.0.113.9, 198.51.100.7, 10.1.2.3')).toBe('198.51.100.7');
    expect(addresses.resolve('::1', ['203.0.113.9', ' 198.51.100.8 '])).toBe('198.51.100.8');
  });

  it('then from an untrusted peer, the header is ignored', () => {
    expect(addresses.resolve('192.0.2.1', '198.51.100.7')).toBe('192.0.2.1');
  });

  it('then a trusted peer without the header is the client itself', () => {
    expect(addresses.resolve('10.0.0.1', undefined)).toBe('10.0.0.1');
  });

  it('then a hop that is no address stops the walk at the last trusted hop', () => {
    expect(addresses.resolve('10.0.0.1', '198.51.100.7, not-an-ip')).toBe('10.0.0.1');
    expect(addresses.resolve('10.0.0.1', 'not-an-ip, 10.1.0.5')).toBe('10.1.0.5');
  });

  it('then a header of only trusted hops gives the leftmost of them', () => {
    expect(addresses.resolve('10.0.0.1', '10.1.0.9, 10.1.0.5')).toBe('10.1.0.9');
  });

  it('then a forwarded IPv4-mapped address is given plainly', () => {
    expect(addresses.resolve('10.0.0.1', '::ffff:198.51.100.7')).toBe('198.51.100.7');
  });

  it('then CIDR blocks and single addresses are both trusted, and nothing else', () => {
    expect(addresses.isTrustedProxy('10.1.255.255')).toBe(true);
    expect(addresses.isTrustedProxy('10.2.0.0')).toBe(false);
    expect(addresses.isTrustedProxy('10.0.0.1')).toBe(true);
    expect(addresses.isTrustedProxy('10.0.0.2')).toBe(false);
    expect(addresses.isTrustedProxy('::1')).toBe(true);
    expect(addresses.isTrustedProxy('::2')).toBe(false);
    expect(addresses.isTrustedProxy('not-an-ip')).toBe(false);
  });
});

describe('when the trusted proxies are parsed', () => {
  it.each(['10.0.0.0/0', '10.0.0.0/32', '::/0', '2001:db8::/128', '192.0.2.1'])('then %s is accepted', (entry) => {
    expect(() => parseTrustedProxies([entry])).not.toThrow();
  });

  it.each(['proxy.example.com', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/x', '10.0.0.0/1/2', '10.0.0.0/-1', '10.0.0.0/8 ', '10.0.0.0/1e1', ''])(
    'then "%s" is refused, naming it',
    (entry) => {
      expect(() => parseTrustedProxies([entry])).toThrow(`"${entry}" is not an IP address or a CIDR block`);
    },
  );

  it('then an IPv6 block holds its addresses', () => {
    expect(parseTrustedProxies(['2001:db8::/32']).check('2001:db8:1::1', 'ipv6')).toBe(true);
    expect(parseTrustedProxies(['2001:db8::/32']).check('2001:db9::1', 'ipv6')).toBe(false);
  });
});

describe('when an address is made plain', () => {
  it('then only an IPv4-mapped IPv6 address loses its prefix', () => {
    expect(plainAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(plainAddress('::ffff:abcd')).toBe('::ffff:abcd');
    expect(plainAddress('::fffe:10.0.0.1')).toBe('::fffe:10.0.0.1');
    expect(plainAddress('10.0.0.1')).toBe('10.0.0.1');
  });
});

describe('when the key a client is counted on is made from its address', () => {
  it('then an IPv4 address is its own key, also IPv4-mapped, dotted or in hex', () => {
    expect(addressKey('198.51.100.7')).toBe('198.51.100.7');
    expect(addressKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(addressKey('::FFFF:198.51.100.7')).toBe('198.51.100.7');
    expect(addressKey('::ffff:c633:6407')).toBe('198.51.100.7');
    expect(addressKey('0:0:0:0:0:ffff:c633:6407')).toBe('198.51.100.7');
  });

  it('then every IPv6 address of one /64 has the same key, however it is written', () => {
    const key = '2001:db8:1:2::/64';
    for (const address of ['2001:db8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:0:0:0:9', '2001:db8:1:2::a%eth0', '2001:db8:1:2::1.2.3.4']) {
      expect(addressKey(address), address).toBe(key);
    }
  });

  it('then addresses of different /64s have different keys', () => {
    const keys = ['2001:db8:1:2::1', '2001:db8:1:3::1', '2001:db8:2:2::1', '2001:db9:1:2::1', '::1', 'fe80::1'].map(addressKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%lo')).toBe('fe80:0:0:0::/64');
  });

  it('then an IPv4 key never equals an IPv6 one, and what is no address is its own key', () => {
    expect(addressKey('::ffff:1:2')).toBe('0.1.0.2');
    expect(addressKey('::fffe:1:2')).toBe('0:0:0:0::/64');
    // Mapped only with the first 80 bits zero: a non-zero group anywhere before `ffff` makes an IPv6 address.
    for (const [address, key] of [
      ['1:0:0:0:0:ffff:102:304', '1:0:0:0::/64'],
      ['0:1:0:0:0:ffff:102:304', '0:1:0:0::/64'],
      ['0:0:1:0:0:ffff:102:304', '0:0:1:0::/64'],
      ['0:0:0:1:0:ffff:102:304', '0:0:0:1::/64'],
      ['0:0:0:0:1:ffff:102:304', '0:0:0:0::/64'],
    ]) {
      expect(addressKey(address as string), address).toBe(key);
    }
    expect(addressKey('::1:ffff:102:304')).toBe('0:0:0:0::/64');
  });

  it('then a dotted tail of any digits and a `::` between groups are read in place', () => {
    expect(addressKey('::ffff:198.51.100.27')).toBe('198.51.100.27');
    expect(addressKey('2001:db8::1:2:3:4:5')).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:db8:1::1.2.3.4')).toBe('2001:db8:1:0::/64');
    expect(addressKey('')).toBe('');
    expect(addressKey('not-an-ip')).toBe('not-an-ip');
  });
});
