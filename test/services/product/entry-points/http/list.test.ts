import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProductHarness, type ProductHarness } from '../../../../support/product';

let harness: ProductHarness;
type Inserted = { sku: string; id: string; createdAt: Date | string };
const inserted: Inserted[] = [];
/** The list's documented order, oldest first, then by id: two inserts can share a millisecond. */
const listed = (items: readonly Inserted[]) =>
  [...items].sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((p) => p.sku);

beforeAll(async () => {
  harness = await startProductHarness();
  for (let i = 0; i < 5; i++) inserted.push(await harness.unitOfWork.products.insert({ sku: `LIST-${i}`, name: `Item ${i}`, priceCents: i }));
  const hidden = await harness.unitOfWork.products.insert({ sku: 'LIST-HIDDEN', name: 'Hidden', priceCents: 1 });
  await harness.unitOfWork.products.update(hidden.id, { active: false });
});
afterAll(() => harness.close());

const list = (query: string) => request(harness.app).get(`/products${query}`);
/** A cursor shaped like the API's, at a chosen timestamp. */
const cursorAt = (createdAt: string) => Buffer.from(JSON.stringify({ createdAt, id: randomUUID() })).toString('base64url');

describe('the paths Product answers', () => {
  it.each(['/PRODUCTS', '/Products', '/products/'])('when the path is %s (another case, a trailing slash), then it answers 404, as the edge does', async (path) => {
    const res = await request(harness.app).get(path);
    expect([res.status, res.body.type]).toEqual([404, 'urn:problem-type:platform:not-found']);
  });
});

describe('GET /products', () => {
  it('when no limit is given, then it returns every active product and no next cursor', async () => {
    const res = await list('');
    expect(res.status).toBe(200);
    expect(res.body.items.map((p: { sku: string }) => p.sku)).toEqual(listed(inserted));
    expect(res.body.nextCursor).toBeNull();
  });

  it('when paging with a cursor while products are inserted, then no item repeats or goes missing', async () => {
    const first = await list('?limit=2');
    expect(first.body.items).toHaveLength(2);
    const late = await harness.unitOfWork.products.insert({ sku: 'LIST-LATE', name: 'Late', priceCents: 1 });
    const seen = [...first.body.items];
    let cursor: string | null = first.body.nextCursor;
    while (cursor) {
      const page = await list(`?limit=2&cursor=${encodeURIComponent(cursor)}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    }
    const skus = seen.map((p: { sku: string }) => p.sku);
    expect(skus).toEqual(listed([...inserted, late]));
  });

  it.each([['0'], ['101'], ['-1'], ['abc'], ['2.5']])('when limit is %s, then it answers 400', async (limit) => {
    const res = await list(`?limit=${limit}`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('limit');
  });

  it.each([['garbage'], [Buffer.from('{"createdAt":"nope","id":1}').toString('base64url')], ['%00']])(
    'when the cursor is %s, then it answers 400',
    async (cursor) => {
      const res = await list(`?cursor=${cursor}`);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].path).toBe('cursor');
    },
  );

  it.each([
    ['year 0000', '0000-01-01T00:00:00.000Z'],
    ['a 31 February', '2025-02-31T00:00:00.000Z'],
    ['another precision than the API issues', '2025-01-01T00:00:00.000000Z'],
  ])('when the cursor carries a timestamp with %s, then it answers 400 naming cursor, not a database error', async (_what, createdAt) => {
    const res = await list(`?cursor=${cursorAt(createdAt)}`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('cursor');
  });

  it('when the cursor carries the last timestamp the database can compare (9999-12-31), then it answers an empty page', async () => {
    const res = await list(`?cursor=${cursorAt('9999-12-31T23:59:59.999Z')}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });

  it('when limit is given twice, then it answers 400 saying it must be given once', async () => {
    const res = await list('?limit=2&limit=3');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'limit', message: 'must be given once, not 2 times' }]);
  });

  it('when an unknown query parameter is sent, then it answers 400', async () => {
    expect((await list('?offset=3')).status).toBe(400);
  });
});
