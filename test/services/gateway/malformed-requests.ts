/**
 * fast-check arbitraries for requests an attacker would try against the edge: the route table's paths with
 * random, broken or hostile segments, query strings with forged cursors, random and hostile headers, bodies of
 * random JSON, JSON shaped like the routes' bodies with hostile values, and bytes that are not JSON at all.
 * Raw requests (sent over a bare socket) add what no HTTP client sends: arbitrary bytes in the request line and
 * the headers.
 */
import fc from 'fast-check';
import { ROUTES } from '../../../services/contracts/routes';

export interface KnownIds {
  /** Ids that exist, so some requests reach an existing resource. */
  readonly product: string;
  readonly invoice: string;
  readonly userToken: string;
  readonly adminToken: string;
}

export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | Buffer | undefined;
}

const hex = (byte: number) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
/** Every byte of the text's UTF-8 that is not unreserved, percent-encoded (lone surrogates become U+FFFD). */
const percentEncoded = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : hex(b))).join('');
const visibleAscii = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

const segment = (ids: KnownIds) =>
  fc.oneof(
    fc.uuid().map(String),
    fc.constantFrom(ids.product, ids.invoice, ids.product.toUpperCase()),
    fc.constantFrom('%', '%f', '%ff', '%zz', '%E0%A4%A', '%C0%AF', '%00', '%2F', '..', '.', '%2e%2e', '', 'openapi.json', 'pay', 'me'),
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map((bytes) => [...bytes].map(hex).join('')),
    fc.string({ unit: 'binary', maxLength: 12 }).map(percentEncoded),
    visibleAscii(16).map((text) => text.replace(/[/?#%\s]/g, '')),
  );

const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE'] as const;

/** A route of the table, mostly with its own method, with each `{param}` replaced by a generated segment. */
const routeTarget = (ids: KnownIds) =>
  fc.constantFrom(...ROUTES).chain((route) =>
    fc.record({
      method: fc.oneof({ weight: 4, arbitrary: fc.constant(route.method as string) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
      path: fc
        .tuple(...route.path.split('/').map((part) => (/^\{.+\}$/.test(part) ? segment(ids) : fc.constant(part))))
        .map((parts) => parts.join('/')),
    }),
  );

const otherTarget = (ids: KnownIds) =>
  fc.record({
    method: fc.constantFrom(...METHODS),
    path: fc.oneof(
      fc.array(segment(ids), { maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
      fc.constantFrom('/health', '/docs', '/docs/swagger-initializer.js', '/docs/nope', '/', '//products', '/products/', '/identity/me/'),
    ),
  });

const target = (ids: KnownIds) => fc.oneof({ weight: 4, arbitrary: routeTarget(ids) }, { weight: 1, arbitrary: otherTarget(ids) });

const base64url = (text: string) => Buffer.from(text).toString('base64url');

const cursor = fc.oneof(
  fc
    .record({
      createdAt: fc.oneof(
        fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
        fc.constantFrom('0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2025-02-30T00:00:00.000Z', 'now', ''),
        fc.string(),
      ),
      id: fc.oneof(fc.uuid().map(String), fc.string()),
    })
    .map((key) => base64url(JSON.stringify(key))),
  fc.json().map(base64url),
  visibleAscii(40).map(encodeURIComponent),
  fc.constantFrom('%', '%00', 'a'.repeat(600)),
);

const query = fc.option(
  fc
    .array(
      fc.tuple(
        fc.constantFrom('limit', 'cursor', 'offset', 'limit[]', 'cursor[a]', ''),
        fc.oneof(fc.integer().map(String), fc.constantFrom('1e2', '0x10', '-0', 'NaN', ''), cursor),
      ),
      { maxLength: 3 },
    )
    .map((pairs) => `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`),
  { nil: '' },
);

const authorization = (ids: KnownIds) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(`Bearer ${ids.userToken}`, `Bearer ${ids.adminToken}`) },
    { weight: 2, arbitrary: fc.constantFrom('Bearer x.y.z', 'Bearer', 'Basic YTpi', `Bearer ${ids.userToken}x`, `bearer  ${ids.adminToken}`) },
  );

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/merge-patch+json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/plain',
      '*/*',
      'json',
    ),
  },
);

const headers = (ids: KnownIds) =>
  fc
    .tuple(
      fc.record(
        {
          authorization: authorization(ids),
          'content-type': contentType,
          'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'bogus'),
          'x-request-id': fc.oneof(visibleAscii(40), fc.constant('a'.repeat(200))),
          'idempotency-key': visibleAscii(300),
          accept: fc.constantFrom('text/html', 'application/xml', '*/*'),
          origin: fc.constantFrom('https://evil.example', 'null'),
          'x-forwarded-for': fc.constantFrom('1.2.3.4', '::1, 10.0.0.1'),
        },
        { requiredKeys: [] },
      ),
      // Rare: headers over node's 16 KiB answer 431 before anything else is looked at.
      fc.oneof({ weight: 30, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.constant({ 'x-huge': 'a'.repeat(20_000) }) }),
    )
    .map(([chosen, huge]) => ({ ...chosen, ...huge }) as Record<string, string>);

const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('a\u0000b', '\u001b[31m', '\u0085', "'; DROP TABLE products; --", '', ' ', 'x'.repeat(5000), '\ud800', 'Invoice\u202Efdp.exe', 'a\u2066b', 'Wid\u2060get', '\u200BAnn', '\ufeffAnn', '\u{1F468}\u200D\u{1F469}'),
);
const hostileNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(2 ** 53 + 1, -1, 1e308, 0), fc.string({ maxLength: 4 }));

/** JSON shaped like the routes' bodies, with hostile values. */
const shapedBody = (ids: KnownIds) =>
  fc.oneof(
    fc.record(
      {
        sku: fc.oneof(visibleAscii(70), hostileText),
        name: hostileText,
        description: fc.oneof(hostileText, fc.constant(null)),
        priceCents: hostileNumber,
        currency: fc.oneof(fc.constantFrom('USD', 'EUR', 'usd', 'XTS', 'ABC', 'DEM', 'XCG'), visibleAscii(4)),
        active: fc.oneof(fc.boolean(), hostileText),
      },
      { requiredKeys: [] },
    ),
    fc.record({
      lines: fc.array(
        fc.record({ productId: fc.oneof(fc.constant(ids.product), fc.uuid().map(String), hostileText), quantity: hostileNumber }, { requiredKeys: [] }),
        { maxLength: 3 },
      ),
    }),
    fc.record(
      {
        email: fc.oneof(fc.emailAddress(), hostileText),
        // Never one that meets the password policy: a fuzz run must not fill the user pool.
        password: fc.oneof(fc.string({ maxLength: 7 }), fc.constantFrom('a\u0000bcdefgh', 'password')),
        name: hostileText,
        refreshToken: hostileText,
      },
      { requiredKeys: [] },
    ),
  );

const body = (ids: KnownIds) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constant(undefined) },
    { weight: 16, arbitrary: shapedBody(ids).map((value) => JSON.stringify(value)) },
    { weight: 8, arbitrary: fc.json() },
    { weight: 8, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 4, arbitrary: fc.constantFrom('{"name":"a\\u0000b"}', '{"name":', '[]', 'null', 'a=b&c=d', '{"__proto__":{"x":1}}') },
    // Over the services' 1 MiB: rare, as each one is a megabyte through the gateway and a service.
    { weight: 1, arbitrary: fc.constant(`{"name":"${'x'.repeat(1_100_000)}"}`) },
  );

export function fuzzRequest(ids: KnownIds): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({ target: target(ids), query, headers: headers(ids), body: body(ids) })
    .map(({ target: { method, path }, query: search, headers: chosen, body: sent }) => ({ method, path: path + search, headers: chosen, body: sent }));
}

/** Bytes no HTTP client would send: raw octets in the request line and headers, broken framing. */
export const rawRequest: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('GET', 'POST', 'get', 'BREW', ''),
      fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
      fc.constantFrom('/products/', '/identity/', '/billing/invoices/', '/'),
    )
    .map(([method, junk, prefix]) => Buffer.from(`${method} ${prefix}${junk} HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1')),
  fc
    .tuple(fc.uint8Array({ maxLength: 24 }), fc.uint8Array({ maxLength: 24 }))
    .map(([name, value]) =>
      Buffer.concat([Buffer.from('GET /products HTTP/1.1\r\nHost: x\r\n'), Buffer.from(name), Buffer.from(': '), Buffer.from(value), Buffer.from('\r\n\r\n')]),
    ),
  // Not starting with whitespace: blank lines before a request line are allowed, and the server rightly waits.
  fc
    .uint8Array({ minLength: 1, maxLength: 64 })
    .filter((bytes) => ![9, 10, 13, 32].includes(bytes[0]!))
    .map((bytes) => Buffer.concat([Buffer.from(bytes), Buffer.from('\r\n\r\n')])),
  fc
    .string({ maxLength: 40 })
    .map((chunk) => Buffer.from(`POST /identity/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${chunk}\r\n0\r\n\r\n`)),
  fc.constantFrom(
    Buffer.from('GET /products HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'),
    Buffer.from('GET /products HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'),
    Buffer.from('GET /products HTTP/9.9\r\nHost: x\r\n\r\n'),
    Buffer.from('GET /products HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n', 'latin1'),
  ),
);
