import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AccountLimit, ClientLimit, RouteDefinition } from '../../../services/contracts/routes';
import { accountField, EdgeLimits, UNREADABLE_ACCOUNT } from '../../../services/gateway/edge-limits';
import { compileRoutes, type GatewayRoute } from '../../../services/gateway/routing';

const T0 = 1_000_000;
const stage = { rateLimit: 1, burstLimit: 4 };
const anonymousPool: ClientLimit = { pool: 'anonymous', by: 'source-address', throttle: { rateLimit: 1, burstLimit: 3 } };
const signInPool: ClientLimit = { pool: 'credentials', by: 'source-address', throttle: { rateLimit: 1, burstLimit: 2 } };
const account: AccountLimit = {
  field: 'email',
  throttle: { rateLimit: 1, burstLimit: 5 },
  anyAddress: { rateLimit: 1, burstLimit: 8 },
  failureStatuses: [401],
  failurePenalty: 2,
  maxDebt: 3,
};

const table: RouteDefinition[] = [
  { method: 'GET', path: '/products', service: 'product', auth: 'public', scopes: [], perClient: anonymousPool },
  { method: 'GET', path: '/products/{id}', service: 'product', auth: 'public', scopes: [], perClient: anonymousPool },
  { method: 'POST', path: '/identity/token', service: 'identity', auth: 'public', scopes: [], throttle: { rateLimit: 1, burstLimit: 6 }, perClient: signInPool, perAccount: account },
  { method: 'POST', path: '/identity/token/refresh', service: 'identity', auth: 'public', scopes: [], perClient: signInPool, perAccount: { ...account, field: 'refreshToken' } },
];
/**
 * Compiled inside each test, not while the file is collected: a compilation at import would make every mutant of
 * the router a static one for `npm run mutation` (see routing.test.ts).
 */
function compiled() {
  const routes = compileRoutes(table).routes;
  const [list, byId, token, refresh] = routes as [GatewayRoute, GatewayRoute, GatewayRoute, GatewayRoute];
  return { routes, list, byId, token, refresh };
}

function admitted(take: () => number | undefined, attempts: number): number {
  let passed = 0;
  for (let i = 0; i < attempts; i++) if (take() === undefined) passed++;
  return passed;
}

const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('when route buckets are built', () => {
  it('then a route gets its own throttle, else the stage default, each its own bucket', () => {
    const { routes, list, byId, token } = compiled();
    const limits = new EdgeLimits(routes, stage, {}, T0);
    expect(admitted(() => limits.takeRoute(token, T0), 10)).toBe(6);
    expect(admitted(() => limits.takeRoute(list, T0), 10)).toBe(4);
    expect(admitted(() => limits.takeRoute(byId, T0), 10)).toBe(4);
  });

  it('then a refused route says when to retry', () => {
    const { routes, list } = compiled();
    const limits = new EdgeLimits(routes, stage, {}, T0);
    admitted(() => limits.takeRoute(list, T0), 4);
    expect(limits.takeRoute(list, T0)).toBe(1);
  });

  it('then GATEWAY_RATE_LIMIT / GATEWAY_BURST_LIMIT replace the route, client and account limits', () => {
    const { routes, token } = compiled();
    const limits = new EdgeLimits(routes, stage, { all: { rateLimit: 1, burstLimit: 7 } }, T0);
    expect(admitted(() => limits.takeRoute(token, T0), 10)).toBe(7);
    expect(admitted(() => limits.takeClient(signInPool, 'a', T0), 10)).toBe(7);
    const ticket = limits.account(token, body({ email: 'a@x' }), 'a')!;
    expect(admitted(() => limits.takeAccount(ticket, T0), 10)).toBe(7);
    // The account's bucket over all addresses is overridden too: another address meets its 7, now spent.
    expect(limits.takeAccount(limits.account(token, body({ email: 'a@x' }), 'b')!, T0)).toBe(1);
  });
});

describe('when per-client buckets are built', () => {
  it('then routes of one pool share a client\'s bucket, and each client has its own', () => {
    const { routes, list, byId, token } = compiled();
    const limits = new EdgeLimits(routes, stage, {}, T0);
    expect(admitted(() => limits.takeClient(list.client, 'a', T0), 2)).toBe(2);
    expect(admitted(() => limits.takeClient(byId.client, 'a', T0), 5)).toBe(1);
    expect(admitted(() => limits.takeClient(byId.client, 'b', T0), 5)).toBe(3);
    expect(admitted(() => limits.takeClient(token.client, 'a', T0), 5)).toBe(2);
  });

  it('then GATEWAY_PER_CLIENT_* replace per-client limits over GATEWAY_RATE_LIMIT / _BURST_LIMIT, each on its own', () => {
    const { routes, list } = compiled();
    const limits = new EdgeLimits(routes, stage, { all: { rateLimit: 1, burstLimit: 7 }, perClient: { burstLimit: 5 } }, T0);
    expect(admitted(() => limits.takeClient(list.client, 'a', T0), 10)).toBe(5);
    expect(admitted(() => limits.takeClient(list.client, 'a', T0 + 2_000), 10)).toBe(2);
    const rateOnly = new EdgeLimits(routes, stage, { perClient: { rateLimit: 3 } }, T0);
    expect(admitted(() => rateOnly.takeClient(list.client, 'a', T0), 10)).toBe(3);
    expect(admitted(() => rateOnly.takeClient(list.client, 'a', T0 + 1_000), 10)).toBe(3);
  });

  it('then a pool no route names limits nothing', () => {
    const { routes } = compiled();
    const limits = new EdgeLimits(routes, stage, {}, T0);
    const unknown: ClientLimit = { pool: 'nowhere', by: 'source-address', throttle: { rateLimit: 0, burstLimit: 0 } };
    expect(limits.takeClient(unknown, 'a', T0)).toBeUndefined();
  });

  it('then routes naming one pool with different limits are refused at start', () => {
    const clash = [...table, { ...table[0]!, path: '/other', perClient: { ...anonymousPool, throttle: { rateLimit: 2, burstLimit: 3 } } }];
    expect(() => new EdgeLimits(compileRoutes(clash).routes, stage, {}, T0)).toThrow('per-client pool "anonymous" must state the same limit');
  });
});

describe('when a credential request names an account', () => {
  const limits = () => {
    const routes = compiled();
    return { ...routes, edge: new EdgeLimits(routes.routes, stage, {}, T0) };
  };

  it('then the e-mail is the key however it is spelled, and another e-mail has its own bucket', () => {
    const { token, edge } = limits();
    const ann = edge.account(token, body({ email: ' Ann@Example.COM', password: 'x' }), 'a')!;
    expect(ann.key).toBe(edge.account(token, body({ email: 'ann@example.com' }), 'a')?.key);
    expect(ann.fromAddress).toBe(edge.account(token, body({ email: 'ann@example.com' }), 'a')?.fromAddress);
    expect(ann.key).not.toBe(edge.account(token, body({ email: 'bob@example.com' }), 'a')?.key);
    expect(ann.key).not.toContain('ann');
    expect(ann.fromAddress).not.toBe(edge.account(token, body({ email: 'ann@example.com' }), 'b')?.fromAddress);
    expect(admitted(() => edge.takeAccount(ann, T0), 10)).toBe(5);
  });

  it('then a route without an account limit, or a request without a body, names none', () => {
    const { list, token, refresh, edge } = limits();
    expect(edge.account(list, body({ email: 'a@x' }), 'a')).toBeUndefined();
    expect(edge.account(token, null, 'a')).toBeUndefined();
    expect(edge.account(refresh, body({ refreshToken: 'r' }), 'a')).toBeDefined();
  });

  it('then a body whose account cannot be read counts as the one shared unreadable account', () => {
    const { token, edge } = limits();
    const unreadable = [body({ refreshToken: 'r' }), Buffer.from('not json'), body({ email: 'a@x' })];
    const tickets = [edge.account(token, unreadable[0]!, 'a'), edge.account(token, unreadable[1]!, 'b'), edge.account(token, unreadable[2]!, 'a', 'compress')];
    expect(tickets.map((ticket) => ticket?.key)).toEqual([UNREADABLE_ACCOUNT, UNREADABLE_ACCOUNT, UNREADABLE_ACCOUNT]);
    expect(tickets[0]?.fromAddress).toBe(`${UNREADABLE_ACCOUNT} a`);
    // Never a key an account hashes to (base64 of SHA-256).
    expect(UNREADABLE_ACCOUNT).toMatch(/[^A-Za-z0-9+/=]/);
  });

  it('then a body over 64 KiB, as sent or once inflated, is refused with the 413 problem', () => {
    const { token, edge } = limits();
    const padded = `${' '.repeat(64 * 1024)}${JSON.stringify({ email: 'a@x' })}`;
    for (const [body, encoding] of [[Buffer.from(padded), undefined], [gzipSync(padded), 'gzip']] as const) {
      expect(() => edge.account(token, body, 'a', encoding)).toThrow(expect.objectContaining({ status: 413, code: 'body-too-large' }));
    }
  });

  it('then a gzip, deflate or br body, or one with a UTF-8 byte order mark, names the account the plain one does', () => {
    const { token, edge } = limits();
    const text = JSON.stringify({ email: 'a@x' });
    const plain = edge.account(token, Buffer.from(text), 'a')!.key;
    expect(plain).not.toBe(UNREADABLE_ACCOUNT);
    expect(edge.account(token, gzipSync(text), 'a', 'gzip')?.key).toBe(plain);
    expect(edge.account(token, deflateSync(text), 'a', 'Deflate')?.key).toBe(plain);
    expect(edge.account(token, brotliCompressSync(text), 'a', 'br')?.key).toBe(plain);
    expect(edge.account(token, Buffer.from(`\ufeff${text}`), 'a', 'identity')?.key).toBe(plain);
  });

  it('then each failed attempt costs the penalty, down to the debt cap; other answers cost nothing more', () => {
    const { token, edge } = limits();
    const ticket = edge.account(token, body({ email: 'a@x' }), 'a')!;
    expect(edge.takeAccount(ticket, T0)).toBeUndefined(); // 4 left
    edge.settle(ticket, 200, T0);
    edge.settle(ticket, 401, T0); // 2 left
    expect(admitted(() => edge.takeAccount(ticket, T0), 10)).toBe(2);
    edge.settle(ticket, 401, T0);
    edge.settle(ticket, 401, T0);
    edge.settle(ticket, 401, T0); // -6, held at -3: 4 s to one token at 1/s
    expect(edge.takeAccount(ticket, T0)).toBe(4);
  });

  it('then a request whose client left before the answer (no status) costs the penalty: the service checked it all the same', () => {
    const { token, edge } = limits();
    const ticket = edge.account(token, body({ email: 'a@x' }), 'a')!;
    expect(edge.takeAccount(ticket, T0)).toBeUndefined(); // 4 left
    edge.settle(ticket, undefined, T0); // 2 left
    expect(admitted(() => edge.takeAccount(ticket, T0), 10)).toBe(2);
  });

  it('then failures cost only the failing address\'s bucket on that account; another address keeps its own', () => {
    const { token, edge } = limits();
    const attacker = edge.account(token, body({ email: 'v@x' }), 'attacker')!;
    expect(edge.takeAccount(attacker, T0)).toBeUndefined();
    for (let i = 0; i < 3; i++) edge.settle(attacker, 401, T0); // 4 - 6 = -2: 3 s to one token
    expect(edge.takeAccount(attacker, T0)).toBe(3);
    const victim = edge.account(token, body({ email: 'v@x' }), 'victim')!;
    expect(admitted(() => edge.takeAccount(victim, T0), 10)).toBe(5);
  });

  it('then the account\'s own bucket bounds all addresses together, takes no penalty, and loses nothing to refused requests', () => {
    const { token, edge } = limits();
    const from = (address: string) => edge.account(token, body({ email: 'v@x' }), address)!;
    const a = from('a');
    expect(edge.takeAccount(a, T0)).toBeUndefined(); // account: 7 left
    for (let i = 0; i < 3; i++) edge.settle(a, 401, T0); // charged to (v, a) only
    expect(admitted(() => edge.takeAccount(a, T0), 10)).toBe(0); // refused by (v, a): the account's 7 stay
    expect(admitted(() => edge.takeAccount(from('b'), T0), 10)).toBe(5); // account: 2 left
    const c = from('c');
    expect(admitted(() => edge.takeAccount(c, T0), 10)).toBe(2);
    expect(edge.takeAccount(c, T0)).toBe(1);
    expect(edge.takeAccount(c, T0 + 1_000)).toBeUndefined();
  });
});

describe('when the account field is read from a body', () => {
  it.each([
    ['{"email":" A@B.C "}', 'email', 'a@b.c'],
    ['{"refreshToken":" Tok "}', 'refreshToken', ' Tok '],
    ['not json', 'email', undefined],
    ['null', 'email', undefined],
    ['"a@b.c"', 'email', undefined],
    ['[]', 'email', undefined],
    ['{"email":7}', 'email', undefined],
    ['{"email":"  "}', 'email', undefined],
    ['{"refreshToken":""}', 'refreshToken', undefined],
  ] as const)('then %s gives %s = %s', (text, field, expected) => {
    expect(accountField(Buffer.from(text), field)).toBe(expected);
  });
});
