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

/**
 * Polls every route at the services' own ports, each on its own loop, until all answer 401; resolves with when the
 * last of them first did (its answer's arrival, ms after `since`). Separate loops, so a slow answer on one route
 * never delays the others' next try: the figure is each route's own, not the length of a round.
 */
export async function allRefuse(direct: ServiceUrls, token: string, since: number): Promise<{ ms: number; last: Record<string, number> }> {
  const last: Record<string, number> = {};
  const refusedAfter = await Promise.all(
    everyRoute(direct, token).map(async ([name, url, init]) => {
      for (;;) {
        last[name] = await call(url, init);
        if (last[name] === 401) return Date.now() - since;
        if (Date.now() - since > 10_000) return Number.POSITIVE_INFINITY;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }),
  );
  return { ms: Math.max(...refusedAfter), last };
}
