import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outgoingEventsOutbox } from '../../../../../services/billing/data-access/outgoing-events-outbox';
import type { Product } from '../../../../../services/product/domain/product';
import { bearer, loginAs, type TestTokens } from '../../../../support/auth';
import { startBillingHarness, startProductServer, type BillingHarness, type ProductServer } from '../../../../support/billing';

let harness: BillingHarness;
let productServer: ProductServer;
let app: Express;
let alice: TestTokens;
let bob: TestTokens;
let widget: Product;

beforeAll(async () => {
  [harness, productServer, alice, bob] = await Promise.all([startBillingHarness(), startProductServer(), loginAs(), loginAs()]);
  app = harness.app(productServer.url);
  await Promise.all([harness.accounts.openAccount(alice.sub), harness.accounts.openAccount(bob.sub)]);
  widget = await productServer.product.unitOfWork.products.insert({ sku: `PAY-${process.pid}`, name: 'Widget', priceCents: 1999, currency: 'EUR' });
});
afterAll(async () => {
  await Promise.all([harness?.close(), productServer?.close()]);
});

const openInvoice = async (tokens: TestTokens = alice, on: Express = app) =>
  (await request(on).post('/billing/invoices').set(bearer(tokens)).send({ lines: [{ productId: widget.id, quantity: 2 }] }).expect(201)).body as {
    id: string;
    accountId: string;
    createdAt: string;
  };
const pay = (id: string, tokens: TestTokens = alice, on: Express = app) => request(on).post(`/billing/invoices/${id}/pay`).set(bearer(tokens));
const eventsFor = async (invoiceId: string) => (await harness.paidEvents()).filter(({ envelope }) => envelope.data.invoiceId === invoiceId);
const statusOf = async (id: string, tokens: TestTokens = alice) => (await request(app).get(`/billing/invoices/${id}`).set(bearer(tokens))).body.status;

describe('POST /billing/invoices/{id}/pay', () => {
  it('when the owner pays an open invoice, then it answers 200 paid with paidAt and writes billing.invoice.paid to the outbox', async () => {
    const invoice = await openInvoice();
    const res = await pay(invoice.id).set('x-request-id', 'pay-trace-7');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: invoice.id, status: 'paid', totalCents: 3998, currency: 'EUR' });
    expect(Date.parse(res.body.paidAt)).toBeGreaterThanOrEqual(Date.parse(invoice.createdAt));
    expect(await eventsFor(invoice.id)).toEqual([
      {
        envelope: {
          specversion: '1.0',
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          type: 'billing.invoice.paid',
          source: '/billing',
          time: expect.any(String),
          subject: invoice.id,
          datacontenttype: 'application/json',
          data: { invoiceId: invoice.id, accountId: invoice.accountId, userId: alice.sub, totalCents: 3998, currency: 'EUR' },
        },
        requestId: 'pay-trace-7',
      },
    ]);
    expect((await request(app).get(`/billing/invoices/${invoice.id}`).set(bearer(alice))).body).toEqual(res.body);
  });

  it('when a paid invoice is paid again, then it answers 409 and emits nothing more', async () => {
    const invoice = await openInvoice();
    const first = await pay(invoice.id);
    const again = await pay(invoice.id);
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('urn:problem-type:platform:invoice-not-open');
    expect(await eventsFor(invoice.id)).toHaveLength(1);
    expect((await request(app).get(`/billing/invoices/${invoice.id}`).set(bearer(alice))).body.paidAt).toBe(first.body.paidAt);
  });

  it('when two payments of one invoice arrive at once, then one answers 200 and the other 409, with one event', async () => {
    const invoice = await openInvoice();
    const answers = await Promise.all([pay(invoice.id), pay(invoice.id), pay(invoice.id)]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 409, 409]);
    expect(await eventsFor(invoice.id)).toHaveLength(1);
  });

  it.each([
    ['an unknown id', '7c4a8d09-ca37-4e3b-9a2d-000000000000'],
    ['a malformed id', 'not-a-uuid'],
  ])('when paying %s, then it answers 404', async (_what, id) => {
    expect((await pay(id)).status).toBe(404);
  });

  it("when bob pays alice's invoice, then it answers 404 and alice's invoice stays open", async () => {
    const invoice = await openInvoice(alice);
    const res = await pay(invoice.id, bob);
    expect(res.status).toBe(404);
    expect(await statusOf(invoice.id)).toBe('open');
    expect(await eventsFor(invoice.id)).toHaveLength(0);
  });

  it('when the request carries a body with fields, then it answers 400 and the invoice stays open', async () => {
    const invoice = await openInvoice();
    const res = await pay(invoice.id).send({ amountCents: 1 });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('amountCents');
    expect(await statusOf(invoice.id)).toBe('open');
  });

  it('when an empty JSON object is sent, then it pays as without a body', async () => {
    const invoice = await openInvoice();
    expect((await pay(invoice.id).send({})).status).toBe(200);
  });

  it('when no token is sent, then it answers 401 and nothing changes', async () => {
    const invoice = await openInvoice();
    const res = await request(app).post(`/billing/invoices/${invoice.id}/pay`);
    expect(res.status).toBe(401);
    expect(await statusOf(invoice.id)).toBe('open');
  });

  it("when the owner's account was closed since, then paying and reading answer 401 and the invoice stays open", async () => {
    const leaving = await loginAs();
    await harness.accounts.openAccount(leaving.sub);
    const invoice = await openInvoice(leaving);
    await harness.accounts.closeAccount(leaving.sub);
    expect((await pay(invoice.id, leaving)).status).toBe(401);
    expect((await request(app).get(`/billing/invoices/${invoice.id}`).set(bearer(leaving))).status).toBe(401);
    expect((await request(app).get('/billing/invoices').set(bearer(leaving))).status).toBe(401);
    const { rows } = await harness.database.pool.query('SELECT status FROM invoices WHERE id = $1', [invoice.id]);
    expect(rows).toEqual([{ status: 'open' }]);
  });

  it('when the account closes while the payment waits on it (identity.user.deleted in flight), then the close wins: 404 account-closed, the invoice stays open, no event', async () => {
    const leaving = await loginAs();
    await harness.accounts.openAccount(leaving.sub);
    const invoice = await openInvoice(leaving);
    const res = await harness.closingDuring(leaving.sub, () => pay(invoice.id, leaving));
    expect([res.status, res.body.type]).toEqual([404, 'urn:problem-type:platform:account-closed']);
    const { rows } = await harness.database.pool.query('SELECT status FROM invoices WHERE id = $1', [invoice.id]);
    expect(rows).toEqual([{ status: 'open' }]);
    expect(await eventsFor(invoice.id)).toEqual([]);
  });

  it('when the transaction fails after the event was written, then payment and event roll back together', async () => {
    const broken = harness.app(productServer.url, {}, {
      events: (tx) => ({
        invoicePaid: async (event) => {
          await outgoingEventsOutbox(tx).invoicePaid(event);
          throw new Error('failure after the outbox write');
        },
      }),
    });
    const invoice = await openInvoice();
    const res = await pay(invoice.id, alice, broken);
    expect(res.status).toBe(500);
    expect(res.body).not.toHaveProperty('stack');
    expect(await statusOf(invoice.id)).toBe('open');
    expect(await eventsFor(invoice.id)).toHaveLength(0);
    expect((await pay(invoice.id)).status).toBe(200);
    expect(await eventsFor(invoice.id)).toHaveLength(1);
  });
});
