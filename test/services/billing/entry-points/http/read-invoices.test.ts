import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../../../../../services/product/domain/product';
import { bearer, loginAs, type TestTokens } from '../../../../support/auth';
import { startBillingHarness, startProductServer, type BillingHarness, type ProductServer } from '../../../../support/billing';

let harness: BillingHarness;
let productServer: ProductServer;
let app: Express;
let alice: TestTokens;
let bob: TestTokens;
let carol: TestTokens;
let widget: Product;
const aliceInvoices: string[] = [];
/** When each of Alice's invoices was created, as the API said. */
const createdAt = new Map<string, number>();
/** The list's documented order, newest first, then by id: two invoices can share a millisecond. */
const newestFirst = (invoiceIds: readonly string[]) =>
  [...invoiceIds].sort((a, b) => createdAt.get(b)! - createdAt.get(a)! || (a < b ? 1 : a > b ? -1 : 0));

beforeAll(async () => {
  [harness, productServer, alice, bob, carol] = await Promise.all([startBillingHarness(), startProductServer(), loginAs(), loginAs(), loginAs()]);
  app = harness.app(productServer.url);
  await Promise.all([harness.accounts.openAccount(alice.sub), harness.accounts.openAccount(bob.sub)]);
  widget = await productServer.product.unitOfWork.products.insert({ sku: `READ-${process.pid}`, name: 'Widget', priceCents: 10 });
  for (let quantity = 1; quantity <= 5; quantity++) {
    const res = await create(alice, quantity);
    aliceInvoices.push(res.body.id);
    createdAt.set(res.body.id, Date.parse(res.body.createdAt));
  }
  await create(bob, 1);
});
afterAll(async () => {
  await Promise.all([harness?.close(), productServer?.close()]);
});

const create = (tokens: TestTokens, quantity: number) =>
  request(app).post('/billing/invoices').set(bearer(tokens)).send({ lines: [{ productId: widget.id, quantity }] }).expect(201);
const list = (tokens: TestTokens, query = '') => request(app).get(`/billing/invoices${query}`).set(bearer(tokens));
const ids = (res: { body: { items: Array<{ id: string }> } }) => res.body.items.map((invoice) => invoice.id);

describe('GET /billing/invoices', () => {
  it('when a user lists, then it answers only their invoices, newest first, with their lines', async () => {
    const res = await list(alice);
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual(newestFirst(aliceInvoices));
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items[0]).toMatchObject({ totalCents: 50, lines: [{ productId: widget.id, quantity: 5, amountCents: 50 }] });
  });

  it('when paging two at a time while a new invoice arrives, then no invoice repeats or goes missing', async () => {
    const first = await list(alice, '?limit=2');
    expect(ids(first)).toEqual(newestFirst(aliceInvoices).slice(0, 2));
    const late = await create(alice, 9);
    const seen = ids(first);
    let cursor: string | null = first.body.nextCursor;
    while (cursor) {
      const page = await list(alice, `?limit=2&cursor=${encodeURIComponent(cursor)}`);
      expect(page.status).toBe(200);
      seen.push(...ids(page));
      cursor = page.body.nextCursor;
    }
    expect(seen).toEqual(newestFirst(aliceInvoices));
    expect((await list(alice, '?limit=1')).body.items[0].id).toBe(late.body.id);
    aliceInvoices.push(late.body.id);
    createdAt.set(late.body.id, Date.parse(late.body.createdAt));
  });

  it('when the last page is exactly full, then its next cursor is null', async () => {
    const res = await list(alice, `?limit=${aliceInvoices.length}`);
    expect(res.body.items).toHaveLength(aliceInvoices.length);
    expect(res.body.nextCursor).toBeNull();
  });

  it('when a user has no account or no invoices, then it answers an empty page', async () => {
    const res = await list(carol);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });

  it('when another user pages with a cursor taken from alice, then they still see only their own', async () => {
    const cursor = (await list(alice, '?limit=1')).body.nextCursor as string;
    const res = await list(bob, `?cursor=${encodeURIComponent(cursor)}`);
    expect(res.status).toBe(200);
    expect(res.body.items.every((invoice: { id: string }) => !aliceInvoices.includes(invoice.id))).toBe(true);
  });

  it.each([['0'], ['101'], ['-1'], ['abc'], ['2.5'], ['']])('when limit is "%s", then it answers 400 naming limit', async (limit) => {
    const res = await list(alice, `?limit=${limit}`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('limit');
  });

  it.each([
    ['garbage', 'garbage'],
    ['a product-style cursor', Buffer.from('{"createdAt":"nope","id":1}').toString('base64url')],
    ['a NUL byte', '%00'],
    ['SQL', encodeURIComponent("' OR 1=1 --")],
    ['an overlong value', 'a'.repeat(600)],
    ['a timestamp in year 0000', Buffer.from(JSON.stringify({ createdAt: '0000-01-01T00:00:00.000Z', id: randomUUID() })).toString('base64url')],
  ])('when the cursor is %s, then it answers 400 naming cursor', async (_what, cursor) => {
    const res = await list(alice, `?cursor=${cursor}`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('cursor');
  });

  it('when an unknown query parameter is sent, then it answers 400', async () => {
    expect((await list(alice, '?status=paid')).status).toBe(400);
  });

  it('when no token is sent, then it answers 401', async () => {
    const res = await request(app).get('/billing/invoices');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });
});

describe('GET /billing/invoices/{id}', () => {
  it('when the owner asks, then it answers 200 with the invoice as created', async () => {
    const created = await create(alice, 2);
    const res = await request(app).get(`/billing/invoices/${created.body.id}`).set(bearer(alice));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created.body);
  });

  it.each([
    ['another user\'s invoice', () => aliceInvoices[0]!],
    ['an unknown id', () => '7c4a8d09-ca37-4e3b-9a2d-000000000000'],
    ['a malformed id', () => 'not-a-uuid'],
    ['an SQL-looking id', () => encodeURIComponent("1' OR '1'='1")],
  ])('when bob asks for %s, then it answers 404 problem', async (_what, idOf) => {
    const res = await request(app).get(`/billing/invoices/${idOf()}`).set(bearer(bob));
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, title: 'Not Found' });
  });

  it('when no token is sent, then it answers 401 before revealing anything', async () => {
    expect((await request(app).get(`/billing/invoices/${aliceInvoices[0]}`)).status).toBe(401);
  });
});
