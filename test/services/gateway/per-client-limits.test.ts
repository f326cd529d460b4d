/**
 * Per-client limits from the route table, through the real gateway and the run's cognito-local tokens. Distinct
 * clients are distinct loopback source addresses (FACTS.md: any 127.0.0.0/8 address is local on Linux).
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOptions } from '../../../services/gateway/gateway';
import { loginAs, type TestTokens } from '../../support/auth';
import { call, FakeClock, startEchoUpstreams, startTestGateway, startUpstream, type TestServer, type Upstream, type Upstreams } from './support';

let upstreams: Upstreams;
/**
 * Identity's sign-in as far as the gateway can tell: 200 for the password `right`, 400 for an empty one (Identity's
 * schema refuses it), 415 for a body that is not `application/json`, else 401; 200 elsewhere. While `heldFailures`
 * is set, each 401 waits until that many have arrived, then all are answered together.
 */
let identity: Upstream;
let heldFailures: { count: number; answers: Array<() => void> } | undefined;
/** Requests to the fake Identity whose connection closed before it answered (the gateway cut them: the client left). */
let cutShort = 0;
/** Answers every 401 still held (all of them once the count is reached; the rest when a test ends short of it). */
const releaseHeldFailures = () => {
  for (const answer of heldFailures?.answers.splice(0) ?? []) answer();
};
let alice: TestTokens;
let bob: TestTokens;
const running: TestServer[] = [];

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  identity = await startUpstream('identity', (_req, res, seen) => {
    let password: unknown;
    try {
      password = (JSON.parse(seen.body) as { password?: unknown }).password;
    } catch {
      password = undefined;
    }
    const refused = seen.headers['content-type']?.startsWith('application/json') === false ? 415 : password === '' ? 400 : undefined;
    const status = seen.url !== '/identity/token' || password === 'right' ? 200 : (refused ?? 401);
    res.once('close', () => res.writableFinished || cutShort++);
    const answer = () => res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    if (status !== 401 || !heldFailures) return answer();
    heldFailures.answers.push(answer);
    if (heldFailures.answers.length === heldFailures.count) releaseHeldFailures();
  });
  [alice, bob] = await Promise.all([loginAs(), loginAs()]);
});

afterAll(async () => {
  await Promise.all(running.map((g) => g.close()));
  await Promise.all([upstreams?.close(), identity?.close()]);
});

async function gatewayWith(options: Partial<GatewayOptions>): Promise<{ url: string; clock: FakeClock }> {
  const clock = new FakeClock();
  const gateway = await startTestGateway({ upstreams: { ...upstreams.urls, identity: identity.url }, clock: clock.now, ...options });
  running.push(gateway);
  return { url: gateway.url, clock };
}

const statuses = (answers: { status: number }[]) => answers.map((a) => a.status);
const count = (answers: { status: number }[], status: number) => answers.filter((a) => a.status === status).length;
const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const signIn = (url: string, from: string, email: string, password: string, signal?: AbortSignal) =>
  call(url, 'POST', '/identity/token', { from, signal, ...json({ email, password }) });
/** Polls every 10 ms, for 5 s at most. */
const until = async (done: () => boolean) => {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};
const asUser = (tokens: TestTokens) => ({ authorization: `Bearer ${tokens.accessToken}` });

describe('when one address floods the sign-in route with wrong passwords (default limits)', () => {
  it('then another address\'s correct sign-in still gets through, and the flood is held to its own budget', async () => {
    const { url } = await gatewayWith({});
    // Many accounts, so the per-account limit is not what stops it: only the per-address limit can.
    const flood = await Promise.all(Array.from({ length: 60 }, (_, i) => signIn(url, '127.0.0.2', `victim${i}@example.com`, 'guess')));
    expect(count(flood, 401)).toBe(10);
    expect(count(flood, 429)).toBe(50);
    const other = await signIn(url, '127.0.0.3', 'bob@example.com', 'right');
    expect(other.status).toBe(200);
  });
});

describe('when anonymous requests flood a private route', () => {
  it('then they spend no authenticated budget: a signed-in client from another address is served', async () => {
    // A route bucket of 5: before the fix, the flood took it before the authorizer turned it away.
    const { url } = await gatewayWith({ stageThrottle: { rateLimit: 1, burstLimit: 5 } });
    const flood = await Promise.all(Array.from({ length: 40 }, () => call(url, 'GET', '/billing/invoices', { from: '127.0.0.2' })));
    expect(new Set(statuses(flood))).toEqual(new Set([401]));
    expect((await call(url, 'GET', '/billing/invoices', { from: '127.0.0.3', headers: asUser(alice) })).status).toBe(200);
  });

  it('then invalid tokens count against their address\'s anonymous bucket, never a user\'s', async () => {
    const { url, clock } = await gatewayWith({ perClientOverride: { rateLimit: 1, burstLimit: 3 } });
    const forged = { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' };
    const flood = [];
    for (let i = 0; i < 6; i++) flood.push(await call(url, 'GET', '/identity/me', { from: '127.0.0.2', headers: forged }));
    expect(statuses(flood)).toEqual([401, 401, 401, 429, 429, 429]);
    // Her token, new to the gateway, is not checked from an address whose failed checks are spent until one is back
    // (forged-tokens.test.ts); that 429 costs her nothing either.
    expect((await call(url, 'GET', '/identity/me', { from: '127.0.0.2', headers: asUser(alice) })).status).toBe(429);
    clock.advance(1_000);
    // Alice, on the same address, still has her whole budget of 3.
    const mine = [];
    for (let i = 0; i < 4; i++) mine.push(await call(url, 'GET', '/identity/me', { from: '127.0.0.2', headers: asUser(alice) }));
    expect(statuses(mine)).toEqual([200, 200, 200, 429]);
  });
});

describe('when signed-in users call authenticated routes', () => {
  it('then each token subject has its own bucket, shared across routes, whatever the address', async () => {
    const { url } = await gatewayWith({ perClientOverride: { rateLimit: 1, burstLimit: 3 } });
    const a = [];
    a.push(await call(url, 'GET', '/identity/me', { from: '127.0.0.2', headers: asUser(alice) }));
    a.push(await call(url, 'GET', '/billing/invoices', { from: '127.0.0.3', headers: asUser(alice) }));
    a.push(await call(url, 'GET', '/billing/account', { from: '127.0.0.4', headers: asUser(alice) }));
    a.push(await call(url, 'GET', '/identity/me', { from: '127.0.0.5', headers: asUser(alice) }));
    expect(statuses(a)).toEqual([200, 200, 200, 429]);
    expect((await call(url, 'GET', '/identity/me', { from: '127.0.0.2', headers: asUser(bob) })).status).toBe(200);
  });

  it('then the anonymous and the authenticated budgets of one address are apart', async () => {
    const { url } = await gatewayWith({ perClientOverride: { rateLimit: 1, burstLimit: 2 } });
    const anonymous = await Promise.all(Array.from({ length: 4 }, () => call(url, 'GET', '/products', { from: '127.0.0.2' })));
    expect(count(anonymous, 200)).toBe(2);
    expect((await call(url, 'GET', '/identity/me', { from: '127.0.0.2', headers: asUser(alice) })).status).toBe(200);
  });

  it('then a client bucket refills at its rate', async () => {
    const { url, clock } = await gatewayWith({ perClientOverride: { rateLimit: 1, burstLimit: 1 } });
    expect((await call(url, 'GET', '/identity/me', { headers: asUser(alice) })).status).toBe(200);
    expect((await call(url, 'GET', '/identity/me', { headers: asUser(alice) })).status).toBe(429);
    clock.advance(1_000);
    expect((await call(url, 'GET', '/identity/me', { headers: asUser(alice) })).status).toBe(200);
  });
});

describe('when an account gets failed sign-ins', () => {
  it('then each failure costs that address extra, so it is held after a few guesses, while other addresses still sign in', async () => {
    const { url } = await gatewayWith({});
    const tries = [];
    // Table: a bucket of 10 per (account, address), a failure costs 1 + 2: four answered guesses, then 429.
    for (let i = 0; i < 6; i++) tries.push(await signIn(url, '127.0.0.2', 'Ann@Example.com ', 'guess'));
    expect(statuses(tries)).toEqual([401, 401, 401, 401, 429, 429]);
    // Same account however it is spelled; another account from the same address is untouched.
    expect((await signIn(url, '127.0.0.2', 'ann@example.com', 'right')).status).toBe(429);
    expect((await signIn(url, '127.0.0.2', 'bob@example.com', 'right')).status).toBe(200);
    // The account's owner, from another address, was never charged for the guesses.
    expect((await signIn(url, '127.0.0.3', 'ann@example.com', 'right')).status).toBe(200);
  });

  it('then, while an attacker polls the victim\'s e-mail with wrong passwords every second, the victim\'s correct sign-ins all succeed', async () => {
    const { url, clock } = await gatewayWith({});
    const attacker: number[] = [];
    const victim: number[] = [];
    for (let second = 0; second < 120; second++) {
      attacker.push((await signIn(url, '127.0.0.2', 'victim@example.com', 'guess')).status);
      if (second % 10 === 5) victim.push((await signIn(url, '127.0.0.3', 'victim@example.com', 'right')).status);
      clock.advance(1_000);
    }
    expect(victim).toEqual(Array.from({ length: 12 }, () => 200));
    // The attacker's own (account, address) budget: 4 guesses, then about one per 15 s.
    expect(attacker.filter((status) => status === 401).length).toBeLessThanOrEqual(4 + 120 / 15);
  });

  it.each([
    ['an empty password (400)', { 'content-type': 'application/json' }, ''],
    ['a body that is not application/json (415)', { 'content-type': 'text/plain' }, 'guess'],
  ])('then sign-ins naming the victim that Identity refuses for %s cost a failure\'s penalty too, so a few addresses sending them cannot hold the victim\'s account from everyone', async (_case, headers, password) => {
    const { url, clock } = await gatewayWith({});
    const attackers = ['127.0.6.1', '127.0.6.2', '127.0.6.3'];
    const victim: number[] = [];
    for (let round = 0; round < 120; round++) {
      // Each attacker every 0.7 s, at its own moment, the first starting at once, the others a round apart.
      for (const [index, from] of attackers.entries()) {
        if (round >= index) await call(url, 'POST', '/identity/token', { from, headers, body: JSON.stringify({ email: 'vic@example.com', password }) });
        clock.advance(150);
      }
      if (round % 10 === 5) victim.push((await signIn(url, '127.0.6.9', 'vic@example.com', 'right')).status);
      clock.advance(250);
    }
    // At one token each, three addresses would spend 0.6/s of the account's 0.5/s (most of the victim's sign-ins
    // met 429); at a failure's three, they spend 0.2/s, and every one of the victim's gets through.
    expect(victim).toEqual(Array.from({ length: 12 }, () => 200));
  });

  it('then a guess whose client leaves before the answer costs a failure\'s penalty too: Identity checked it all the same', async () => {
    heldFailures = { count: 100, answers: [] }; // no 401 is answered before the test ends: each client leaves first
    try {
      const { url } = await gatewayWith({});
      const outcomes: Array<number | 'left'> = [];
      const cutBefore = cutShort;
      for (let i = 0; i < 8; i++) {
        const reached = identity.seen.length + 1;
        const controller = new AbortController();
        const answer = signIn(url, '127.0.7.1', 'lee@example.com', 'guess', controller.signal).then((a) => a.status);
        // Refused at the gateway (429), or forwarded: then the client leaves while Identity's 401 is on its way.
        const outcome = await Promise.race([answer, until(() => identity.seen.length >= reached).then(() => 'left' as const)]);
        controller.abort();
        await answer.catch(() => undefined);
        // The gateway settles the account once its forward is cut, as the fake Identity then sees.
        if (outcome === 'left') await until(() => cutShort >= outcomes.filter((o) => o === 'left').length + cutBefore + 1);
        outcomes.push(outcome);
      }
      // As with answered guesses: four reach Identity, then the address is held. Free, it could send one per 5 s
      // (three addresses would keep the account's 0.5/s bucket empty, as in the test above).
      expect(outcomes).toEqual(['left', 'left', 'left', 'left', 429, 429, 429, 429]);
    } finally {
      releaseHeldFailures();
      heldFailures = undefined;
    }
  });

  it('then guesses spread over many addresses are bounded by the account\'s own bucket, which takes no penalty', async () => {
    const { url } = await gatewayWith({});
    const tries = [];
    for (let i = 0; i < 24; i++) tries.push(await signIn(url, `127.0.3.${i + 1}`, 'erin@example.com', 'guess'));
    // Table: 20 per account from all addresses; each address's own bucket is barely touched.
    expect(count(tries, 401)).toBe(20);
    expect(count(tries, 429)).toBe(4);
  });

  it('then, when the route is flooded, the requests it refuses spend none of the victim\'s account budget', async () => {
    const { url, clock } = await gatewayWith({});
    // Eight addresses drain sign-in's route bucket of 80 (each within its own 10).
    const flood = [];
    for (let i = 0; i < 80; i++) flood.push(await signIn(url, `127.0.4.${(i % 8) + 1}`, `other${i}@example.com`, 'guess'));
    const refusedByRoute = [];
    for (let i = 0; i < 10; i++) refusedByRoute.push(await signIn(url, '127.0.0.3', 'fay@example.com', 'right'));
    expect(count(refusedByRoute, 429)).toBe(10);
    clock.advance(1_000); // the route has 40 again (40/s); had its refusals cost fay's budget, 0.2/s would give a fifth of a token
    expect((await signIn(url, '127.0.0.3', 'fay@example.com', 'right')).status).toBe(200);
  });

  it('then the penalty is bounded: after a concurrent flood from one address, it may try again within (maxDebt + 1) / rate', async () => {
    heldFailures = { count: 10, answers: [] }; // every guess is admitted before the first failure comes back
    // Had fewer than ten reached Identity, those held are answered after 10 s, and the counts below tell.
    const fallback = setTimeout(releaseHeldFailures, 10_000);
    try {
      const { url, clock } = await gatewayWith({ perClientOverride: { rateLimit: 1, burstLimit: 100 } });
      const flood = await Promise.all(Array.from({ length: 10 }, () => signIn(url, '127.0.1.1', 'carol@example.com', 'guess')));
      expect(count(flood, 401)).toBe(10);
      const held = await signIn(url, '127.0.1.1', 'carol@example.com', 'right');
      expect(held.status).toBe(429);
      // Ten failures would be 20 tokens of debt, 105 s; the cap of 10 makes it (10 + 1) / 0.2 = 55 s.
      expect(Number(held.headers['retry-after'])).toBe(55);
      expect((await signIn(url, '127.0.2.1', 'carol@example.com', 'right')).status).toBe(200);
      clock.advance(55_000);
      expect((await signIn(url, '127.0.1.1', 'carol@example.com', 'right')).status).toBe(200);
    } finally {
      clearTimeout(fallback);
      releaseHeldFailures();
      heldFailures = undefined;
    }
  });

  it('then a correct sign-in costs only its token, and a body without an account spends none of that account\'s', async () => {
    const { url } = await gatewayWith({ perClientOverride: { rateLimit: 1, burstLimit: 100 } });
    const right = [];
    for (let i = 0; i < 10; i++) right.push(await signIn(url, '127.0.0.2', 'dan@example.com', 'right'));
    expect(count(right, 200)).toBe(10);
    expect((await signIn(url, '127.0.0.2', 'dan@example.com', 'right')).status).toBe(429);
    const noAccount = await Promise.all(['{}', 'not json', '[1]', '{"email":7}'].map((body) => call(url, 'POST', '/identity/token', { from: '127.0.0.2', body })));
    expect(statuses(noAccount)).toEqual([401, 401, 401, 401]);
    expect((await signIn(url, '127.0.0.2', 'eve@example.com', 'right')).status).toBe(200);
  });

  it('then a compressed or BOM-prefixed body names its account as the service reads it: guesses in every encoding share that account\'s budget', async () => {
    const { url } = await gatewayWith({});
    const text = JSON.stringify({ email: 'gus@example.com', password: 'guess' });
    const encoded: Array<[string | undefined, Buffer]> = [
      [undefined, Buffer.from(text)],
      ['gzip', gzipSync(text)],
      [undefined, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
      ['br', brotliCompressSync(text)],
      ['DEFLATE', deflateSync(text)],
      ['gzip', gzipSync(`\ufeff${text}`)],
    ];
    const tries = [];
    for (const [encoding, body] of encoded) {
      const headers = { 'content-type': 'application/json', ...(encoding ? { 'content-encoding': encoding } : {}) };
      tries.push((await call(url, 'POST', '/identity/token', { from: '127.0.0.2', headers, body })).status);
    }
    // The same four answered guesses, then 429, as in plain JSON alone.
    expect(tries).toEqual([401, 401, 401, 401, 429, 429]);
  });

  it('then a sign-in padded past 64 KiB (which Identity would still read) is refused with 413, not counted as unreadable', async () => {
    const { url } = await gatewayWith({});
    const padded = `${' '.repeat(70 * 1024)}${JSON.stringify({ email: 'kim@example.com', password: 'guess' })}`;
    const plain = await call(url, 'POST', '/identity/token', { from: '127.0.0.7', ...json({}), body: padded });
    const gzipped = await call(url, 'POST', '/identity/token', { from: '127.0.0.7', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(padded) });
    for (const answer of [plain, gzipped]) {
      expect(answer.status).toBe(413);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.json<{ type: string }>().type).toBe('urn:problem-type:platform:body-too-large');
    }
  });

  it('then bodies whose account the gateway cannot read (an unknown encoding, another charset) share one account\'s budget across all addresses', async () => {
    const { url, clock } = await gatewayWith({});
    const text = JSON.stringify({ email: 'hal@example.com', password: 'guess' });
    const unreadable: Array<{ headers: Record<string, string>; body: Buffer }> = [
      { headers: { 'content-encoding': 'compress' }, body: Buffer.from(text) },
      { headers: { 'content-type': 'application/json; charset=utf-16le' }, body: Buffer.from(text, 'utf16le') },
      { headers: { 'content-encoding': 'gzip' }, body: Buffer.from('not gzip') },
    ];
    const send = (i: number, from: string) => {
      const { body, headers } = unreadable[i % unreadable.length]!;
      return call(url, 'POST', '/identity/token', { from, headers: { 'content-type': 'application/json', ...headers }, body });
    };
    const tries = [];
    for (let i = 0; i < 20; i++) tries.push(await send(i, `127.0.5.${i + 1}`));
    expect(count(tries, 401)).toBe(20);
    clock.advance(1_000); // the route's bucket has 40 more (40/s); one account's has half a token (0.5/s)
    // As for one account guessed from many addresses: its own bucket of 20 is spent, whatever address comes next…
    expect((await send(0, '127.0.5.100')).status).toBe(429);
    // …while a readable guess at another account is still answered.
    expect((await signIn(url, '127.0.5.101', 'ian@example.com', 'guess')).status).toBe(401);
  });
});

describe('when a client sends X-Forwarded-For', () => {
  it('then it is ignored unless a trusted proxy sent it', async () => {
    const { url } = await gatewayWith({ perClientOverride: { rateLimit: 1, burstLimit: 2 } });
    const spoofed = await Promise.all(
      Array.from({ length: 4 }, (_, i) => call(url, 'GET', '/products', { from: '127.0.0.2', headers: { 'x-forwarded-for': `198.51.100.${i}` } })),
    );
    expect(count(spoofed, 200)).toBe(2);
  });

  it('then from a configured proxy, each forwarded address has its own bucket, and the service sees it', async () => {
    const { url } = await gatewayWith({ perClientOverride: { rateLimit: 1, burstLimit: 2 }, trustedProxies: ['127.0.0.2'] });
    const viaProxy = (client: string) =>
      call(url, 'GET', '/products', { from: '127.0.0.2', headers: { 'x-forwarded-for': `203.0.113.9, ${client}` } });
    const first = await Promise.all([viaProxy('198.51.100.1'), viaProxy('198.51.100.1'), viaProxy('198.51.100.1')]);
    expect(count(first, 200)).toBe(2);
    const other = await viaProxy('198.51.100.2');
    expect(other.status).toBe(200);
    expect(other.json().headers['x-forwarded-for']).toBe('198.51.100.2');
    // Another address is no proxy: its header is ignored, it is counted as itself.
    const direct = await call(url, 'GET', '/products', { from: '127.0.0.3', headers: { 'x-forwarded-for': '198.51.100.2' } });
    expect(direct.json().headers['x-forwarded-for']).toBe('127.0.0.3');
  });
});
