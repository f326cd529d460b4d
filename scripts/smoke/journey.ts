/** The client journey of the smoke test, step by step, against any base URL that serves the contract. */
import { randomUUID } from 'node:crypto';
import { bearer, eventually, expectStatus, platformClient } from './client';

export interface JourneyOptions {
  readonly baseUrl: string;
  readonly adminEmail: string;
  readonly adminPassword: string;
  /** How long to wait for effects that travel as events. */
  readonly eventTimeoutMs: number;
  readonly report: (step: string, outcome: string) => void;
  /** Sends each request; tests use it to look at every answer. @default fetch */
  readonly fetch?: (request: Request, init: RequestInit) => Promise<Response>;
}

/**
 * fetch says only "fetch failed"; the reason (refused, reset, DNS) is in its cause. A JSON parse error is a 2xx
 * answer that is no JSON: some other server at --url (an emulator answers 200 with XML to anything).
 */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof SyntaxError) return `${error.message} (the answer is no JSON: is --url the platform's gateway or deployed API?)`;
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

export async function runJourney(options: JourneyOptions): Promise<void> {
  const { identity, product: products, billing } = platformClient(options.baseUrl, { ...(options.fetch ? { fetch: options.fetch } : {}) });
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
    const created = await expectStatus(201, identity.POST('/identity/signup', { body: { email, password, name: 'Smoke Test' } }));
    const tokens = await expectStatus(200, identity.POST('/identity/token', { body: { email, password } }));
    return [tokens, `user ${created.id} (${email}) signed in`];
  });
  const asUser = bearer(user.accessToken);

  const me = await step('GET /identity/me', async () => {
    const profile = await expectStatus(200, identity.GET('/identity/me', asUser));
    return [profile, `profile ${profile.id}, ${profile.paidInvoiceCount} paid invoices`];
  });

  const product = await step('admin creates a product; it is listed', async () => {
    const admin = await expectStatus(200, identity.POST('/identity/token', { body: { email: options.adminEmail, password: options.adminPassword } }));
    const created = await expectStatus(201, products.POST('/products', {
      ...bearer(admin.accessToken),
      body: { sku: `SMOKE-${randomUUID().slice(0, 8)}`, name: 'Smoke widget', priceCents: 1234 },
    }));
    let cursor: string | undefined;
    do {
      const page = await expectStatus(200, products.GET('/products', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
      if (page.items.some((p) => p.id === created.id)) return [created, `product ${created.id} listed`];
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    throw new Error(`product ${created.id} is not in GET /products`);
  });

  const invoice = await step('the same invoice twice with one Idempotency-Key', async () => {
    await eventually('billing account opened', options.eventTimeoutMs, async () =>
      (await billing.GET('/billing/account', asUser)).response.status === 200 ? true : undefined,
    );
    const request = {
      ...asUser,
      params: { header: { 'Idempotency-Key': randomUUID() } },
      body: { lines: [{ productId: product.id, quantity: 3 }] },
    };
    const first = await expectStatus(201, billing.POST('/billing/invoices', request));
    const second = await expectStatus(201, billing.POST('/billing/invoices', request));
    if (first.id !== second.id) throw new Error(`two invoices: ${first.id} and ${second.id}`);
    return [first, `invoice ${first.id} for ${first.totalCents} cents, returned twice`];
  });

  await step('pay the invoice', async () => {
    const paid = await expectStatus(200, billing.POST('/billing/invoices/{id}/pay', { ...asUser, params: { path: { id: invoice.id } } }));
    if (paid.status !== 'paid') throw new Error(`status is ${paid.status}`);
    return [paid, 'paid'];
  });

  await step('GET /identity/me shows the counters (eventually)', async () => {
    const profile = await eventually('counters updated', options.eventTimeoutMs, async () => {
      const current = await expectStatus(200, identity.GET('/identity/me', asUser));
      return current.paidInvoiceCount === me.paidInvoiceCount + 1 ? current : undefined;
    });
    // `lifetimeSpendCents` is a number up to 2^53 - 1 and a string of digits beyond; BigInt reads both exactly.
    const expected = BigInt(me.lifetimeSpendCents) + BigInt(invoice.totalCents);
    if (BigInt(profile.lifetimeSpendCents) !== expected) {
      throw new Error(`lifetimeSpendCents is ${profile.lifetimeSpendCents}, expected ${expected}`);
    }
    return [profile, `${profile.paidInvoiceCount} paid, ${profile.lifetimeSpendCents} cents spent`];
  });

  // docs/identity.md "Deletion ends access": within 2 s every service answers 401 to the old token (Billing once its account closed).
  await step('delete the account; every service refuses the old token', async () => {
    await expectStatus(204, identity.DELETE('/identity/me', asUser));
    await eventually('old token refused everywhere', options.eventTimeoutMs, async () => {
      const [me, account] = await Promise.all([identity.GET('/identity/me', asUser), billing.GET('/billing/account', asUser)]);
      return me.response.status === 401 && account.response.status === 401 ? true : undefined;
    });
    return [undefined, 'account deleted, old token refused by Identity and Billing'];
  });
}
