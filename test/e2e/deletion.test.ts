/**
 * CONTRACT.md "Deletion", end to end on the real platform (`npm start`: cognito-local, fauxqs, embedded
 * PostgreSQL, the three services and the gateway): after DELETE /identity/me answers 204, the user's refresh token
 * no longer works, and within 2 s every service answers 401 to the user's old access token, reads included, both
 * at the service's own port and through the gateway.
 */
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ADMIN_PASSWORD } from '../../services/local/config';
import { startPlatformProcess, type PlatformProcess } from '../../harness/platform-process';

/** The contract's bound on how long a deleted user's access token may still work anywhere. */
const DELETION_BOUND_MS = 2_000;

let dataDir: string;
let platform: PlatformProcess;
let gateway: string;
let direct: { identity: string; product: string; billing: string };

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'platform-deletion-'));
  await chmod(dataDir, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
  platform = await startPlatformProcess(dataDir);
  gateway = platform.gatewayUrl;
  const at = (variable: string) => `http://127.0.0.1:${platform.ports[variable]}`;
  direct = { identity: at('IDENTITY_PORT'), product: at('PRODUCT_PORT'), billing: at('BILLING_PORT') };
}, 120_000);
afterAll(async () => {
  await platform?.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 90_000);

interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
}

async function call(url: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<number> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function signIn(email: string, password: string): Promise<Tokens> {
  const res = await fetch(`${gateway}/identity/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  expect(res.status).toBe(200);
  return (await res.json()) as Tokens;
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not so after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every authenticated route of every service, reads first, as [name, url, init]. */
function everyRoute(base: { identity: string; product: string; billing: string }, token: string): Array<[string, string, Parameters<typeof call>[1]]> {
  const someId = randomUUID();
  return [
    ['GET /identity/me', `${base.identity}/identity/me`, { token }],
    ['PATCH /identity/me', `${base.identity}/identity/me`, { method: 'PATCH', token, body: { name: 'Ghost' } }],
    ['GET /billing/account', `${base.billing}/billing/account`, { token }],
    ['GET /billing/invoices', `${base.billing}/billing/invoices`, { token }],
    ['GET /billing/invoices/{id}', `${base.billing}/billing/invoices/${someId}`, { token }],
    ['POST /billing/invoices', `${base.billing}/billing/invoices`, { method: 'POST', token, body: { lines: [{ productId: someId, quantity: 1 }] } }],
    ['POST /billing/invoices/{id}/pay', `${base.billing}/billing/invoices/${someId}/pay`, { method: 'POST', token, body: {} }],
    ['POST /products', `${base.product}/products`, { method: 'POST', token, body: { sku: `GHOST-${someId.slice(0, 8)}`, name: 'Ghost', priceCents: 1 } }],
    ['PATCH /products/{id}', `${base.product}/products/${someId}`, { method: 'PATCH', token, body: { name: 'Ghost' } }],
    ['DELETE /products/{id}', `${base.product}/products/${someId}`, { method: 'DELETE', token }],
    ['DELETE /identity/me', `${base.identity}/identity/me`, { method: 'DELETE', token }],
  ];
}

/** Polls every route at the services' own ports until all answer 401; resolves with the ms that took. */
async function allRefuse(token: string, since: number): Promise<{ ms: number; last: Record<string, number> }> {
  let last: Record<string, number> = {};
  for (;;) {
    const routes = everyRoute(direct, token);
    const statuses = await Promise.all(routes.map(([, url, init]) => call(url, init)));
    last = Object.fromEntries(routes.map(([name], i) => [name, statuses[i]!]));
    if (statuses.every((status) => status === 401)) return { ms: Date.now() - since, last };
    if (Date.now() - since > 10_000) return { ms: Number.POSITIVE_INFINITY, last };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('deleting an account on the running platform', () => {
  it('when a user who signed up deletes itself, then within 2 s every service refuses its old access token, and its refresh token is dead', { timeout: 90_000 }, async () => {
    const email = `leaving-${randomUUID().slice(0, 8)}@example.com`;
    const password = 'Leaving-Passw0rd!';
    expect(await call(`${gateway}/identity/signup`, { method: 'POST', body: { email, password, name: 'Leaving' } })).toBe(201);
    const tokens = await signIn(email, password);
    // Before: the account works everywhere (Billing's account is opened by identity.user.registered).
    await eventually('the billing account opens', async () => (await call(`${gateway}/billing/account`, { token: tokens.accessToken })) === 200);
    expect(await call(`${direct.identity}/identity/me`, { token: tokens.accessToken })).toBe(200);
    expect(await call(`${direct.product}/products`, { method: 'POST', token: tokens.accessToken, body: { sku: 'X', name: 'X', priceCents: 1 } })).toBe(403);

    expect(await call(`${gateway}/identity/me`, { method: 'DELETE', token: tokens.accessToken })).toBe(204);
    const deletedAt = Date.now();

    const { ms, last } = await allRefuse(tokens.accessToken, deletedAt);
    expect(last, JSON.stringify(last)).toEqual(Object.fromEntries(Object.keys(last).map((name) => [name, 401])));
    expect(ms, `all services refused the old token after ${ms} ms`).toBeLessThanOrEqual(DELETION_BOUND_MS);
    // Through the gateway too (it forwards the valid-looking token; each service refuses it).
    for (const [name, url, init] of everyRoute({ identity: gateway, product: gateway, billing: gateway }, tokens.accessToken)) {
      expect(await call(url, init), `${name} through the gateway`).toBe(401);
    }
    expect(await call(`${gateway}/identity/token/refresh`, { method: 'POST', body: { refreshToken: tokens.refreshToken } })).toBe(401);
    expect(await call(`${gateway}/identity/token`, { method: 'POST', body: { email, password } })).toBe(401);
  });

  it('when an admin deletes itself, then within 2 s Product\'s admin routes refuse its old token', { timeout: 90_000 }, async () => {
    const admin = await signIn('admin@example.com', DEFAULT_ADMIN_PASSWORD);
    // Its first /identity/me makes its profile (the seeded admin never signed up), so there is something to delete.
    expect(await call(`${gateway}/identity/me`, { token: admin.accessToken })).toBe(200);
    const sku = `KEEP-${randomUUID().slice(0, 8)}`;
    expect(await call(`${direct.product}/products`, { method: 'POST', token: admin.accessToken, body: { sku, name: 'Kept', priceCents: 100 } })).toBe(201);

    expect(await call(`${gateway}/identity/me`, { method: 'DELETE', token: admin.accessToken })).toBe(204);
    const deletedAt = Date.now();
    const newSku = () => `NEW-${randomUUID().slice(0, 8)}`;
    await eventually(
      'Product refuses the deleted admin',
      async () => (await call(`${direct.product}/products`, { method: 'POST', token: admin.accessToken, body: { sku: newSku(), name: 'Late', priceCents: 1 } })) === 401,
      10_000,
    );
    const ms = Date.now() - deletedAt;
    expect(ms, `Product refused the deleted admin after ${ms} ms`).toBeLessThanOrEqual(DELETION_BOUND_MS);
    // Public reads are untouched.
    expect(await call(`${gateway}/products`)).toBe(200);
  });
});
