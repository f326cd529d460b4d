/**
 * What the deletion tests of the running platform (test/e2e/npm-start.test.ts) do over HTTP: call a route, sign
 * in, and poll every authenticated route of every service until all refuse a deleted user's token.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';

export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** The base URL of each service, at its own port or all the gateway's. */
export interface ServiceUrls {
  readonly identity: string;
  readonly product: string;
  readonly billing: string;
}

export async function call(url: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<number> {
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

export async function signIn(gateway: string, email: string, password: string): Promise<Tokens> {
  const res = await fetch(`${gateway}/identity/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  expect(res.status).toBe(200);
  return (await res.json()) as Tokens;
}

export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not so after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every authenticated route of every service, reads first, as [name, url, init]. */
export function everyRoute(base: ServiceUrls, token: string): Array<[string, string, Parameters<typeof call>[1]]> {
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
export async function allRefuse(direct: ServiceUrls, token: string, since: number): Promise<{ ms: number; last: Record<string, number> }> {
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
