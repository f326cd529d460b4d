/** The client journey of the smoke test, step by step, against any base URL that serves the contract. */
import { randomUUID } from 'node:crypto';
import { ApiClient, eventually } from './client';

export interface JourneyOptions {
  readonly baseUrl: string;
  readonly adminEmail: string;
  readonly adminPassword: string;
  /** How long to wait for effects that travel as events. */
  readonly eventTimeoutMs: number;
  readonly report: (step: string, outcome: string) => void;
}

type Json = Record<string, unknown>;
interface Tokens { accessToken: string }
/** `lifetimeSpendCents` is a number up to 2^53 - 1 and a string of digits beyond; BigInt reads both exactly. */
interface Profile { id: string; paidInvoiceCount: number; lifetimeSpendCents: number | string }
interface Invoice { id: string; totalCents: number; status: string }

/** fetch says only "fetch failed"; the reason (refused, reset, DNS) is in its cause. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

export async function runJourney(options: JourneyOptions): Promise<void> {
  const api = new ApiClient(options.baseUrl);
  const step = async <T>(name: string, fn: () => Promise<[T, string]>): Promise<T> => {
    const [value, outcome] = await fn().catch((error: unknown) => {
      options.report(name, `FAILED: ${describe(error)}`);
      throw error;
    });
    options.report(name, outcome);
    return value;
  };

  const email = `smoke-${randomUUID().slice(0, 8)}@example.com`;
  const password = `Smoke-${randomUUID()}!aA1`;
  const user = await step('signup, then token', async () => {
    const created = await api.expect<Json>(201, 'POST', '/identity/signup', { body: { email, password, name: 'Smoke Test' } });
    const tokens = await api.expect<Tokens>(200, 'POST', '/identity/token', { body: { email, password } });
    return [tokens, `user ${String(created.id)} (${email}) signed in`];
  });

  const me = await step('GET /identity/me', async () => {
    const profile = await api.expect<Profile>(200, 'GET', '/identity/me', { token: user.accessToken });
    return [profile, `profile ${profile.id}, ${profile.paidInvoiceCount} paid invoices`];
  });

  const product = await step('admin creates a product; it is listed', async () => {
    const admin = await api.expect<Tokens>(200, 'POST', '/identity/token', {
      body: { email: options.adminEmail, password: options.adminPassword },
    });
    const created = await api.expect<Json>(201, 'POST', '/products', {
      token: admin.accessToken,
      body: { sku: `SMOKE-${randomUUID().slice(0, 8)}`, name: 'Smoke widget', priceCents: 1234 },
    });
    let cursor: string | null = null;
    do {
      const page: { items: Json[]; nextCursor: string | null } = await api.expect(200, 'GET', `/products?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      if (page.items.some((p) => p.id === created.id)) return [created, `product ${String(created.id)} listed`];
      cursor = page.nextCursor;
    } while (cursor);
    throw new Error(`product ${String(created.id)} is not in GET /products`);
  });

  const invoice = await step('the same invoice twice with one Idempotency-Key', async () => {
    await eventually('billing account opened', options.eventTimeoutMs, async () =>
      (await api.call('GET', '/billing/account', { token: user.accessToken })).status === 200 ? true : undefined,
    );
    const request = { token: user.accessToken, headers: { 'Idempotency-Key': randomUUID() }, body: { lines: [{ productId: product.id, quantity: 3 }] } };
    const first = await api.expect<Invoice>(201, 'POST', '/billing/invoices', request);
    const second = await api.expect<Invoice>(201, 'POST', '/billing/invoices', request);
    if (first.id !== second.id) throw new Error(`two invoices: ${first.id} and ${second.id}`);
    return [first, `invoice ${first.id} for ${first.totalCents} cents, returned twice`];
  });

  await step('pay the invoice', async () => {
    const paid = await api.expect<Invoice>(200, 'POST', `/billing/invoices/${invoice.id}/pay`, { token: user.accessToken });
    if (paid.status !== 'paid') throw new Error(`status is ${paid.status}`);
    return [paid, 'paid'];
  });

  await step('GET /identity/me shows the counters (eventually)', async () => {
    const profile = await eventually('counters updated', options.eventTimeoutMs, async () => {
      const current = await api.expect<Profile>(200, 'GET', '/identity/me', { token: user.accessToken });
      return current.paidInvoiceCount === me.paidInvoiceCount + 1 ? current : undefined;
    });
    const expected = BigInt(me.lifetimeSpendCents) + BigInt(invoice.totalCents);
    if (BigInt(profile.lifetimeSpendCents) !== expected) {
      throw new Error(`lifetimeSpendCents is ${profile.lifetimeSpendCents}, expected ${expected}`);
    }
    return [profile, `${profile.paidInvoiceCount} paid, ${profile.lifetimeSpendCents} cents spent`];
  });

  await step('delete the profile; the billing account closes (eventually)', async () => {
    await api.expect(204, 'DELETE', '/identity/me', { token: user.accessToken });
    await eventually('billing account closed', options.eventTimeoutMs, async () => {
      const account = await api.call<Json>('GET', '/billing/account', { token: user.accessToken });
      return account.status === 200 && account.body.status === 'closed' ? true : undefined;
    });
    return [undefined, 'profile deleted, account closed'];
  });
}
