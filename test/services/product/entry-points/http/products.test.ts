import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs, type TestTokens } from '../../../../support/auth';
import { startProductHarness, type ProductHarness } from '../../../../support/product';

let harness: ProductHarness;
let admin: TestTokens;
let user: TestTokens;

beforeAll(async () => {
  harness = await startProductHarness();
  [admin, user] = await Promise.all([loginAs({ admin: true }), loginAs()]);
});
afterAll(() => harness.close());

const asAdmin = () => ({ Authorization: `Bearer ${admin.accessToken}` });
let skuCounter = 0;
const newSku = () => `SKU-${process.pid}-${++skuCounter}`;
const create = (body: object) => request(harness.app).post('/products').set(asAdmin()).send(body);

describe('POST /products', () => {
  it('when an admin sends a valid product, then it answers 201 with the product and its defaults', async () => {
    const res = await create({ sku: newSku(), name: 'Widget', priceCents: 1250 });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ name: 'Widget', priceCents: 1250, currency: 'USD', active: true, description: null });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.location).toBe(`/products/${res.body.id}`);
    expect(Date.parse(res.body.createdAt)).not.toBeNaN();
  });

  it('when no token is sent, then it answers 401 with a Bearer challenge', async () => {
    const res = await request(harness.app).post('/products').send({ sku: newSku(), name: 'x', priceCents: 1 });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('when a user outside the admin group writes, then it answers 403', async () => {
    const res = await request(harness.app)
      .post('/products')
      .set({ Authorization: `Bearer ${user.accessToken}` })
      .send({ sku: newSku(), name: 'x', priceCents: 1 });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ status: 403, title: 'Forbidden' });
  });

  describe('when the body cannot be read (malformed JSON, not JSON, over 1 MiB)', () => {
    const unreadable: Array<[string, string, string, number, string]> = [
      ['malformed JSON', 'application/json', '{"sku": nope', 400, 'malformed-json'],
      ['a text body', 'text/plain', 'sku=x', 415, 'unsupported-media-type'],
      ['JSON over 1 MiB', 'application/json', `{"name":"${'x'.repeat(1024 * 1024)}"}`, 413, 'body-too-large'],
    ];
    const send = (type: string, body: string, token?: string) => {
      const req = request(harness.app).post('/products').set('content-type', type);
      return (token ? req.set('Authorization', `Bearer ${token}`) : req).send(body);
    };

    it.each(unreadable)('when it is %s and no token is sent, then it answers 401 first, as the edge does', async (_what, type, body) => {
      expect((await send(type, body)).status).toBe(401);
    });

    it.each(unreadable)('when it is %s from a user outside the admin group, then it answers 403 first', async (_what, type, body) => {
      expect((await send(type, body, user.accessToken)).status).toBe(403);
    });

    it.each(unreadable)('when it is %s from an admin, then it answers the body\'s own problem', async (_what, type, body, status, code) => {
      const res = await send(type, body, admin.accessToken);
      expect([res.status, res.body.type]).toEqual([status, `urn:problem-type:platform:${code}`]);
    });

    it('when a route that reads no body gets one it cannot read, then it still answers 400 and does nothing', async () => {
      const created = await create({ sku: newSku(), name: 'Kept', priceCents: 5 });
      const res = await request(harness.app).delete(`/products/${created.body.id}`).set(asAdmin()).set('content-type', 'application/json').send('{oops');
      expect([res.status, res.body.type]).toEqual([400, 'urn:problem-type:platform:malformed-json']);
      expect((await request(harness.app).get(`/products/${created.body.id}`)).body.active).toBe(true);
    });
  });

  it('when the sku is taken, then it answers 409', async () => {
    const sku = newSku();
    expect((await create({ sku, name: 'First', priceCents: 1 })).status).toBe(201);
    const res = await create({ sku, name: 'Second', priceCents: 2 });
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain(sku);
  });

  it('when two products with one sku are created at once, then one gets 201 and the other 409', async () => {
    const sku = newSku();
    const answers = await Promise.all([create({ sku, name: 'A', priceCents: 1 }), create({ sku, name: 'B', priceCents: 1 })]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it.each([
    ['a read-only field', { id: '00000000-0000-4000-8000-000000000000' }, 'id'],
    ['an unknown field', { colour: 'red' }, 'colour'],
    ['a negative price', { priceCents: -1 }, 'priceCents'],
    ['a huge price', { priceCents: 1e12 }, 'priceCents'],
    ['a fractional price', { priceCents: 1.5 }, 'priceCents'],
    ['a price as a string', { priceCents: '10' }, 'priceCents'],
    ['a lower-case currency', { currency: 'usd' }, 'currency'],
    ['a currency that is not ISO 4217', { currency: 'ABC' }, 'currency'],
    ['a withdrawn currency (Deutsche Mark)', { currency: 'DEM' }, 'currency'],
    ['ISO 4217\'s testing code', { currency: 'XTS' }, 'currency'],
    ['a currency of four letters', { currency: 'USDT' }, 'currency'],
    ['an empty name', { name: '' }, 'name'],
    ['a name with Unicode\'s line separator (U+2028)', { name: 'Wid\u2028get' }, 'name'],
    ['a name that ends with a paragraph separator (U+2029; refused, not trimmed away)', { name: 'Widget\u2029' }, 'name'],
  ])('when the body has %s, then it answers 400 naming the field', async (_what, change, field) => {
    const res = await create({ sku: newSku(), name: 'Valid', priceCents: 100, ...change });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining(field) })]));
  });

  it.each([
    ['a name with a NUL', { name: 'Wid\u0000get' }, 'name'],
    ['a name with an escape character', { name: 'Wid\u001b[31mget' }, 'name'],
    ['a name with a line break', { name: 'Wid\nget' }, 'name'],
    ['a name with a C1 control character', { name: 'Wid\u0085get' }, 'name'],
    ['a name that ends with a line break (refused, not trimmed away)', { name: 'Widget\n' }, 'name'],
    ['a name that starts with a tab', { name: '\tWidget' }, 'name'],
    ['a description with a NUL', { description: 'a\u0000b' }, 'description'],
    ['a description with a DEL', { description: 'a\u007fb' }, 'description'],
  ])('when the body has %s, then it answers 400 naming the field, not a database error', async (_what, change, field) => {
    const res = await create({ sku: newSku(), name: 'Valid', priceCents: 100, ...change });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: field, message: expect.stringContaining('control characters') })]);
  });

  it('when a change carries a NUL, then it answers 400 and the product keeps its name', async () => {
    const created = await create({ sku: newSku(), name: 'Clean', priceCents: 10 });
    const res = await request(harness.app).patch(`/products/${created.body.id}`).set(asAdmin()).send({ name: 'Dirty\u0000' });
    expect(res.status).toBe(400);
    expect((await request(harness.app).get(`/products/${created.body.id}`)).body.name).toBe('Clean');
  });

  it('when the description has tabs and line breaks, then they are kept', async () => {
    const description = 'Line one\r\n\tLine two\n';
    const res = await create({ sku: newSku(), name: 'Multi-line', description, priceCents: 5 });
    expect(res.status).toBe(201);
    expect(res.body.description).toBe(description);
  });

  it.each(['EUR', 'JPY', 'CHF', 'XCG', 'ZWG'])('when the currency is %s, an ISO 4217 code in use, then the product is priced in it', async (currency) => {
    const res = await create({ sku: newSku(), name: 'Priced', priceCents: 100, currency });
    expect(res.status).toBe(201);
    expect(res.body.currency).toBe(currency);
  });

  it('when strings look like SQL or carry unicode, then they are stored literally', async () => {
    const name = "Robert'); DROP TABLE products;-- 🚀 ñandú 漢字";
    const res = await create({ sku: newSku(), name, description: '\u0000'.replace('\u0000', '%_\\'), priceCents: 5 });
    expect(res.status).toBe(201);
    const read = await request(harness.app).get(`/products/${res.body.id}`);
    expect(read.body.name).toBe(name);
    expect(read.body.description).toBe('%_\\');
  });
});

describe('GET /products/{id}', () => {
  it('when the product exists, then it answers 200 with it', async () => {
    const created = await create({ sku: newSku(), name: 'Readable', priceCents: 7, currency: 'EUR' });
    const res = await request(harness.app).get(`/products/${created.body.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created.body);
  });

  it.each([['an unknown id', '7c4a8d09-ca37-4e3b-9a2d-000000000000'], ['a malformed id', 'not-a-uuid']])(
    'when asked for %s, then it answers 404 problem',
    async (_what, id) => {
      const res = await request(harness.app).get(`/products/${id}`);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: 404, instance: `/products/${id}` });
    },
  );
});

describe('PATCH and DELETE /products/{id}', () => {
  it('when an admin changes fields, then only those change and updatedAt moves', async () => {
    const created = await create({ sku: newSku(), name: 'Old', priceCents: 10 });
    const res = await request(harness.app).patch(`/products/${created.body.id}`).set(asAdmin()).send({ name: 'New', priceCents: 20 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'New', priceCents: 20, sku: created.body.sku });
    expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));
  });

  it('when the patch tries to change the sku or is empty, then it answers 400', async () => {
    const created = await create({ sku: newSku(), name: 'Fixed', priceCents: 10 });
    const url = `/products/${created.body.id}`;
    expect((await request(harness.app).patch(url).set(asAdmin()).send({ sku: 'OTHER' })).status).toBe(400);
    expect((await request(harness.app).patch(url).set(asAdmin()).send({})).status).toBe(400);
  });

  it('when patching or deleting an unknown product, then it answers 404', async () => {
    const url = '/products/7c4a8d09-ca37-4e3b-9a2d-000000000001';
    expect((await request(harness.app).patch(url).set(asAdmin()).send({ name: 'x' })).status).toBe(404);
    expect((await request(harness.app).delete(url).set(asAdmin())).status).toBe(404);
  });

  it('when an admin deletes a product, then it answers 204 and the product stays readable as inactive', async () => {
    const created = await create({ sku: newSku(), name: 'Gone', priceCents: 10 });
    const res = await request(harness.app).delete(`/products/${created.body.id}`).set(asAdmin());
    expect(res.status).toBe(204);
    const read = await request(harness.app).get(`/products/${created.body.id}`);
    expect(read.body.active).toBe(false);
  });

  it('when a non-admin deletes, then it answers 403 and nothing changes', async () => {
    const created = await create({ sku: newSku(), name: 'Kept', priceCents: 10 });
    const res = await request(harness.app).delete(`/products/${created.body.id}`).set({ Authorization: `Bearer ${user.accessToken}` });
    expect(res.status).toBe(403);
    expect((await request(harness.app).get(`/products/${created.body.id}`)).body.active).toBe(true);
  });
});
