import type { RequestListener } from 'node:http';
import type { Express } from 'express';
import request from 'supertest';
import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../../services/local/free-port';
import type { Product } from '../../../../../services/product/domain/product';
import { bearer, loginAs, type TestTokens } from '../../../../support/auth';
import {
  FAST_FAILURE,
  startBillingHarness,
  startLocalServer,
  startProductServer,
  type BillingHarness,
  type LocalServer,
  type ProductServer,
} from '../../../../support/billing';

let harness: BillingHarness;
let productServer: ProductServer;
let failing: LocalServer;
let listening: LocalServer | undefined;
let app: Express;
let alice: TestTokens;
let bob: TestTokens;
let widget: Product;
let gadget: Product;

beforeAll(async () => {
  [harness, productServer, failing, alice, bob] = await Promise.all([
    startBillingHarness(),
    startProductServer(),
    startLocalServer((_req, res) => res.writeHead(500).end()),
    loginAs(),
    loginAs(),
  ]);
  app = harness.app(productServer.url);
  await Promise.all([harness.accounts.openAccount(alice.sub), harness.accounts.openAccount(bob.sub)]);
  [widget, gadget] = await Promise.all([
    productServer.product.unitOfWork.products.insert({ sku: `IDEM-W-${process.pid}`, name: 'Widget', priceCents: 300 }),
    productServer.product.unitOfWork.products.insert({ sku: `IDEM-G-${process.pid}`, name: 'Gadget', priceCents: 40 }),
  ]);
});
afterAll(async () => {
  await listening?.close();
  await Promise.all([harness?.close(), productServer?.close(), failing?.close()]);
});

/**
 * Sends the key as exactly these octets, as curl would. supertest cannot: Node re-encodes header text written
 * together with a body as UTF-8, so it would double-encode anything beyond ASCII.
 */
async function postOctets(key: Buffer) {
  listening ??= await startLocalServer(app as RequestListener);
  const res = await undiciRequest(`${listening.url}/billing/invoices`, {
    method: 'POST',
    headers: { ...bearer(alice), 'content-type': 'application/json', 'idempotency-key': key.toString('latin1') },
    body: JSON.stringify(body()),
  });
  return { status: res.statusCode, body: (await res.body.json()) as { id: string; errors?: unknown } };
}

let keyCounter = 0;
const newKey = () => `key-${process.pid}-${++keyCounter}`;
const body = (quantity = 1) => ({ lines: [{ productId: widget.id, quantity }] });
const post = (key: string, payload: object = body(), tokens = alice, on: Express = app) =>
  request(on).post('/billing/invoices').set(bearer(tokens)).set('Idempotency-Key', key).send(payload);
const invoicesWithKey = async (key: string) =>
  (await harness.database.pool.query('SELECT id, user_id, idempotency_key FROM invoices WHERE idempotency_key = $1', [key])).rows;

describe('POST /billing/invoices with an Idempotency-Key', () => {
  it('when the same key and body are sent again, then it answers the first invoice with 201 and creates no second one', async () => {
    const key = newKey();
    const first = await post(key);
    const again = await post(key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(first.headers.location);
    expect(await invoicesWithKey(key)).toHaveLength(1);
  });

  it('when the same body is sent with its fields in another order, then it still counts as the same request', async () => {
    const key = newKey();
    const first = await post(key, { lines: [{ productId: widget.id, quantity: 2 }] });
    const again = await post(key, JSON.parse(`{"lines":[{"quantity":2,"productId":"${widget.id.toUpperCase()}"}]}`) as object);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
  });

  it('when the same key comes with another body, then it answers 422 and creates nothing', async () => {
    const key = newKey();
    const first = await post(key, body(1));
    const other = await post(key, body(2));
    expect(other.status).toBe(422);
    expect(other.body.type).toBe('urn:problem-type:platform:idempotency-key-reused');
    expect(await invoicesWithKey(key)).toEqual([expect.objectContaining({ id: first.body.id })]);
  });

  it('when two users send the same key, then each gets an invoice of their own', async () => {
    const key = newKey();
    const [fromAlice, fromBob] = [await post(key, body(), alice), await post(key, body(), bob)];
    expect([fromAlice.status, fromBob.status]).toEqual([201, 201]);
    expect(fromAlice.body.id).not.toBe(fromBob.body.id);
    expect(fromBob.headers['idempotent-replayed']).toBeUndefined();
  });

  it('when identical requests with one key arrive at once, then exactly one invoice exists and all get its id', async () => {
    const key = newKey();
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(key)));
    expect(answers.map((res) => res.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(answers.map((res) => res.body.id)).size).toBe(1);
    expect(await invoicesWithKey(key)).toHaveLength(1);
  });

  it('when different bodies with one key arrive at once, then one creates the invoice and the other gets 422', async () => {
    const key = newKey();
    const answers = await Promise.all([post(key, body(1)), post(key, body(2))]);
    expect(answers.map((res) => res.status).sort()).toEqual([201, 422]);
    expect(await invoicesWithKey(key)).toHaveLength(1);
  });

  it('when no key is sent, then every request creates a new invoice', async () => {
    const send = () => request(app).post('/billing/invoices').set(bearer(alice)).send(body());
    const [first, second] = [await send(), await send()];
    expect(first.body.id).not.toBe(second.body.id);
  });

  it('when the first attempt failed because Product was down, then the key is still free for the retry', async () => {
    const key = newKey();
    const outage = await post(key, body(), alice, harness.app(failing.url, FAST_FAILURE));
    expect(outage.status).toBe(503);
    const retried = await post(key);
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it('when a retry arrives while Product is down, then it is answered from the stored invoice', async () => {
    const key = newKey();
    const first = await post(key);
    const offline = harness.app(`http://127.0.0.1:${await freePort()}`, FAST_FAILURE);
    const again = await post(key, body(), alice, offline);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
  });

  it('when the invoice was paid since, then a replay answers 201 with the same id and its current state', async () => {
    const key = newKey();
    const first = await post(key);
    await request(app).post(`/billing/invoices/${first.body.id}/pay`).set(bearer(alice)).expect(200);
    const again = await post(key);
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id: first.body.id, status: 'paid' });
  });

  it.each([
    ['looks like SQL', "'; DROP TABLE invoices; --"],
    ['has wildcards and quotes', `%_\\"'*`],
    ['is exactly 255 characters', 'k'.repeat(255)],
  ])('when the key %s, then it is stored literally and replays match it exactly', async (_what, key) => {
    const first = await post(key);
    expect(first.status).toBe(201);
    expect(await invoicesWithKey(key)).toEqual([{ id: first.body.id, user_id: alice.sub, idempotency_key: key }]);
    expect((await post(key)).body.id).toBe(first.body.id);
  });

  it('when the key is UTF-8 text, then it is stored as that text and only the same text replays', async () => {
    const key = `ключ-🚀-ñandú-${newKey()}`;
    const first = await postOctets(Buffer.from(key));
    expect(first.status).toBe(201);
    expect(await invoicesWithKey(key)).toEqual([{ id: first.body.id, user_id: alice.sub, idempotency_key: key }]);
    expect((await postOctets(Buffer.from(key))).body.id).toBe(first.body.id);
    expect((await postOctets(Buffer.from(key.normalize('NFD')))).body.id).not.toBe(first.body.id);
  });

  it('when the key is 255 characters outside the BMP (510 UTF-16 units), then it is taken, and one more is refused', async () => {
    const key = '🚀'.repeat(255);
    const first = await postOctets(Buffer.from(key));
    expect(first.status).toBe(201);
    expect(await invoicesWithKey(key)).toEqual([{ id: first.body.id, user_id: alice.sub, idempotency_key: key }]);
    const longer = await postOctets(Buffer.from(`${key}🚀`));
    expect(longer.status).toBe(400);
    expect(longer.body.errors).toEqual([{ path: 'Idempotency-Key', message: 'must be at most 255 characters' }]);
  });

  // Kept by the decoder (not dropped, which made it the key without it) and then refused, as in every single-line
  // text: an invisible character would let a key pass for another one (kit/http/text-fields.ts).
  it('when a key starts with a UTF-8 byte order mark, then it answers 400 naming the header and creates nothing, and the key without it is taken', async () => {
    const key = newKey();
    const before = await harness.invoiceCount();
    const withMark = await postOctets(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(key)]));
    expect(withMark.status).toBe(400);
    expect(withMark.body.errors).toEqual([{ path: 'Idempotency-Key', message: expect.stringContaining('invisible characters') }]);
    expect(await harness.invoiceCount()).toBe(before);
    expect((await postOctets(Buffer.from(key))).status).toBe(201);
  });

  it('when the key octets are not UTF-8, then it answers 400 naming the header and creates nothing', async () => {
    const before = await harness.invoiceCount();
    const res = await postOctets(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'Idempotency-Key', message: 'must be UTF-8 text' }]);
    expect(await harness.invoiceCount()).toBe(before);
  });

  it.each([
    ['two keys', ['k1', 'k2']],
    ['the same key twice', ['k1', 'k1']],
    ['two empty lines (Node would join them into ", ")', ['', '']],
  ])('when the header comes more than once (%s), then it answers 400 naming the header and creates nothing', async (_what, lines) => {
    const before = await harness.invoiceCount();
    listening ??= await startLocalServer(app as RequestListener);
    const res = await undiciRequest(`${listening.url}/billing/invoices`, {
      method: 'POST',
      headers: [...Object.entries(bearer(alice)).flat(), 'content-type', 'application/json', ...lines.flatMap((line) => ['idempotency-key', line])],
      body: JSON.stringify(body()),
    });
    expect(res.statusCode).toBe(400);
    expect(((await res.body.json()) as { errors: unknown }).errors).toEqual([{ path: 'Idempotency-Key', message: 'must be sent once, not 2 times' }]);
    expect(await harness.invoiceCount()).toBe(before);
  });

  it('when the key carries a control character (C1, sent as UTF-8), then it answers 400 naming the header and creates nothing', async () => {
    const before = await harness.invoiceCount();
    const res = await postOctets(Buffer.from(`${newKey()}\u0085`));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'Idempotency-Key', message: 'must not contain control characters' }]);
    expect(await harness.invoiceCount()).toBe(before);
  });

  it('when keys differ only in letter case, then they are different keys', async () => {
    const key = newKey();
    const lower = await post(`${key}-abc`);
    const upper = await post(`${key}-ABC`);
    expect(lower.body.id).not.toBe(upper.body.id);
  });

  it.each([
    ['longer than 255 characters', 'k'.repeat(256)],
    ['empty', ''],
  ])('when the key is %s, then it answers 400 naming the header and creates nothing', async (_what, key) => {
    const before = await harness.invoiceCount();
    const res = await post(key);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'Idempotency-Key' })]);
    expect(await harness.invoiceCount()).toBe(before);
  });

  it('when a replayed request carries a gadget instead of a widget, then it is another body', async () => {
    const key = newKey();
    await post(key);
    const res = await post(key, { lines: [{ productId: gadget.id, quantity: 1 }] });
    expect(res.status).toBe(422);
  });
});
