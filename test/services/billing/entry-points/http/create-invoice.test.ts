import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../../../../../services/product/domain/product';
import { bearer, loginAs, type TestTokens } from '../../../../support/auth';
import { startBillingHarness, startProductServer, type BillingHarness, type ProductServer } from '../../../../support/billing';

let harness: BillingHarness;
let productServer: ProductServer;
let app: Express;
let user: TestTokens;
let widget: Product;
let gadget: Product;
let euro: Product;
let retired: Product;
let premium: Product;

let skuCounter = 0;
const seed = (priceCents: number, extra: { currency?: string; name?: string } = {}) =>
  productServer.product.unitOfWork.products.insert({ sku: `B-${process.pid}-${++skuCounter}`, name: extra.name ?? `Item ${skuCounter}`, priceCents, ...extra });

beforeAll(async () => {
  [harness, productServer, user] = await Promise.all([startBillingHarness(), startProductServer(), loginAs()]);
  app = harness.app(productServer.url);
  await harness.accounts.openAccount(user.sub);
  [widget, gadget, euro, retired, premium] = await Promise.all([
    seed(1250, { name: 'Widget' }),
    seed(199),
    seed(500, { currency: 'EUR' }),
    seed(100),
    seed(1_000_000_000),
  ]);
  await productServer.product.unitOfWork.products.update(retired.id, { active: false });
});
afterAll(async () => {
  await Promise.all([harness?.close(), productServer?.close()]);
});

const create = (body: unknown, tokens: TestTokens = user) => request(app).post('/billing/invoices').set(bearer(tokens)).send(body as object);

describe('POST /billing/invoices', () => {
  it('when an account holder buys active products, then it answers 201 with prices from Product and exact totals', async () => {
    const res = await create({ lines: [{ productId: widget.id, quantity: 3 }, { productId: gadget.id, quantity: 1 }] });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const account = await harness.accounts.getAccount(user.sub);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      accountId: account.id,
      status: 'open',
      currency: 'USD',
      totalCents: 3 * 1250 + 199,
      lines: [
        { productId: widget.id, sku: widget.sku, name: 'Widget', unitPriceCents: 1250, quantity: 3, amountCents: 3750 },
        { productId: gadget.id, sku: gadget.sku, name: gadget.name, unitPriceCents: 199, quantity: 1, amountCents: 199 },
      ],
      createdAt: expect.any(String),
      paidAt: null,
    });
    expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
    expect(res.headers.location).toBe(`/billing/invoices/${res.body.id}`);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
  });

  it('when Product changes a price afterwards, then the invoice keeps the price it was created with', async () => {
    const product = await seed(700);
    const created = await create({ lines: [{ productId: product.id, quantity: 2 }] });
    await productServer.product.unitOfWork.products.update(product.id, { priceCents: 9999, name: 'Renamed' });
    const read = await request(app).get(`/billing/invoices/${created.body.id}`).set(bearer(user));
    expect(read.body.lines[0]).toMatchObject({ unitPriceCents: 700, amountCents: 1400, name: product.name });
    expect(read.body.totalCents).toBe(1400);
  });

  it('when quantities and prices are large, then the total is exact beyond the 32-bit range', async () => {
    const res = await create({ lines: [{ productId: premium.id, quantity: 1000 }, { productId: widget.id, quantity: 1000 }] });
    expect(res.status).toBe(201);
    expect(res.body.totalCents).toBe(1_000_000_000 * 1000 + 1250 * 1000);
    expect(res.body.lines[0].amountCents).toBe(1_000_000_000_000);
  });

  it('when the product id is sent in upper case, then it names the same product', async () => {
    const res = await create({ lines: [{ productId: widget.id.toUpperCase(), quantity: 1 }] });
    expect(res.status).toBe(201);
    expect(res.body.lines[0].productId).toBe(widget.id);
  });

  it('when no token is sent, then it answers 401 with a Bearer challenge and creates nothing', async () => {
    const before = await harness.invoiceCount();
    const res = await request(app).post('/billing/invoices').send({ lines: [{ productId: widget.id, quantity: 1 }] });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(await harness.invoiceCount()).toBe(before);
  });

  it('when the caller has no billing account, then it answers 404 without asking Product', async () => {
    const stranger = await loginAs();
    const before = productServer.requests.length;
    const res = await create({ lines: [{ productId: widget.id, quantity: 1 }] }, stranger);
    expect(res.status).toBe(404);
    expect(res.body.type).toBe('urn:problem-type:platform:no-billing-account');
    expect(productServer.requests.length).toBe(before);
  });

  it('when the caller\'s account is closed, then it answers 401 (the user was deleted) and creates nothing', async () => {
    const leaving = await loginAs();
    await harness.accounts.openAccount(leaving.sub);
    await harness.accounts.closeAccount(leaving.sub);
    const before = await harness.invoiceCount();
    const res = await create({ lines: [{ productId: widget.id, quantity: 1 }] }, leaving);
    expect(res.status).toBe(401);
    expect(await harness.invoiceCount()).toBe(before);
  });

  it('when the account closes while the invoice is being written (identity.user.deleted in flight), then the close wins: 404 account-closed and no invoice', async () => {
    const leaving = await loginAs();
    await harness.accounts.openAccount(leaving.sub);
    const before = await harness.invoiceCount();
    const res = await harness.closingDuring(leaving.sub, () => create({ lines: [{ productId: widget.id, quantity: 1 }] }, leaving));
    expect([res.status, res.body.type]).toEqual([404, 'urn:problem-type:platform:account-closed']);
    expect(await harness.invoiceCount()).toBe(before);
  });

  it.each([
    ['an unknown product', () => '7c4a8d09-ca37-4e3b-9a2d-00000000beef'],
    ['an inactive product', () => retired.id],
  ])('when a line names %s, then it answers 422 naming it and creates nothing', async (_what, idOf) => {
    const before = await harness.invoiceCount();
    const res = await create({ lines: [{ productId: widget.id, quantity: 1 }, { productId: idOf(), quantity: 1 }] });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ type: 'urn:problem-type:platform:unknown-product', status: 422 });
    expect(res.body.detail).toContain(idOf());
    expect(await harness.invoiceCount()).toBe(before);
  });

  it('when the lines are in different currencies, then it answers 422 mixed-currencies', async () => {
    const res = await create({ lines: [{ productId: widget.id, quantity: 1 }, { productId: euro.id, quantity: 1 }] });
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('urn:problem-type:platform:mixed-currencies');
  });

  it('when every line is in EUR, then the invoice is in EUR', async () => {
    const res = await create({ lines: [{ productId: euro.id, quantity: 2 }] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ currency: 'EUR', totalCents: 1000 });
  });
});

describe('POST /billing/invoices with bad input', () => {
  const line = () => ({ productId: widget.id, quantity: 1 });
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ productId: `7c4a8d09-ca37-4e3b-9a2d-${String(i).padStart(12, '0')}`, quantity: 1 }));

  it.each<[string, () => unknown, string]>([
    ['no lines field', () => ({}), 'lines'],
    ['an empty list of lines', () => ({ lines: [] }), 'lines'],
    ['more than 100 lines', () => ({ lines: many(101) }), 'lines'],
    ['lines that are not a list', () => ({ lines: 'widget' }), 'lines'],
    ['a quantity of 0', () => ({ lines: [{ ...line(), quantity: 0 }] }), 'lines.0.quantity'],
    ['a negative quantity', () => ({ lines: [{ ...line(), quantity: -1 }] }), 'lines.0.quantity'],
    ['a quantity over 1000', () => ({ lines: [{ ...line(), quantity: 1001 }] }), 'lines.0.quantity'],
    ['a huge quantity', () => ({ lines: [{ ...line(), quantity: 1e300 }] }), 'lines.0.quantity'],
    ['a fractional quantity', () => ({ lines: [{ ...line(), quantity: 1.5 }] }), 'lines.0.quantity'],
    ['a quantity as a string', () => ({ lines: [{ ...line(), quantity: '2' }] }), 'lines.0.quantity'],
    ['a missing quantity', () => ({ lines: [{ productId: widget.id }] }), 'lines.0.quantity'],
    ['a product id that is not a UUID', () => ({ lines: [{ ...line(), productId: "1' OR '1'='1" }] }), 'lines.0.productId'],
    ['a product id as a number', () => ({ lines: [{ ...line(), productId: 42 }] }), 'lines.0.productId'],
    ['the same product on two lines', () => ({ lines: [line(), { ...line(), quantity: 2 }] }), 'lines.1.productId'],
    ['an unknown field on a line', () => ({ lines: [{ ...line(), unitPriceCents: 1 }] }), 'lines.0.unitPriceCents'],
    ['an unknown top-level field', () => ({ lines: [line()], discount: 10 }), 'discount'],
    ['a read-only field', () => ({ lines: [line()], id: '7c4a8d09-ca37-4e3b-9a2d-000000000001' }), 'id'],
    ['a status', () => ({ lines: [line()], status: 'paid' }), 'status'],
    ['a total', () => ({ lines: [line()], totalCents: 1 }), 'totalCents'],
    ['a list instead of an object', () => [line()], '(body)'],
  ])('when the body has %s, then it answers 400 naming %s', async (_what, body, path) => {
    const before = await harness.invoiceCount();
    const res = await create(body());
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(await harness.invoiceCount()).toBe(before);
  });

  it.each<[string, string, () => unknown]>([
    ['no lines field', 'lines', () => ({})],
    ['a line without a quantity', 'lines.0.quantity', () => ({ lines: [{ productId: widget.id }] })],
    ['a line without a product id', 'lines.0.productId', () => ({ lines: [{ quantity: 1 }] })],
  ])('when the body has %s, then its one error says %s is required', async (_what, path, body) => {
    const res = await create(body());
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path, message: 'is required' }]);
  });

  it('when the body is not valid JSON, then it answers 400 malformed-json', async () => {
    const res = await request(app).post('/billing/invoices').set(bearer(user)).set('content-type', 'application/json').send('{"lines": [');
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('urn:problem-type:platform:malformed-json');
  });

  it('when no body is sent at all, then it answers 400', async () => {
    const res = await request(app).post('/billing/invoices').set(bearer(user));
    expect(res.status).toBe(400);
  });

  it('when the body is over 1 MiB, then it answers 413', async () => {
    const res = await create({ lines: [line()], padding: 'x'.repeat(1024 * 1024) });
    expect(res.status).toBe(413);
  });
});
