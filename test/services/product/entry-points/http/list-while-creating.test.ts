import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs, type TestTokens } from '../../../../support/auth';
import { startProductHarness, type ProductHarness } from '../../../../support/product';

/**
 * Paging while creates are in flight. A create that takes its timestamp and then commits after a later create
 * (here: it waits on the unique index behind another transaction's uncommitted row of the same sku) must not land
 * behind a cursor a client has already passed: the client would never see it.
 */
let harness: ProductHarness;
let admin: TestTokens;

beforeAll(async () => {
  harness = await startProductHarness();
  admin = await loginAs({ admin: true });
});
afterAll(() => harness.close());

type Listed = { sku: string };
const create = (sku: string) =>
  request(harness.app).post('/products').set({ Authorization: `Bearer ${admin.accessToken}` }).send({ sku, name: sku, priceCents: 1 }).then((res) => res.status);

/** How many statements on this database wait for a lock (a row's, or whatever a create waits for). */
async function waitingCreates(): Promise<number> {
  const { rows } = await harness.database.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  return rows[0]!.n;
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; await sleep(20)) if (await condition()) return;
  throw new Error(`timed out waiting until ${what}`);
}

/** Every item, page by page (limit 1), until nextCursor is null. */
async function pageThrough(): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null | undefined;
  for (let i = 0; i < 50 && cursor !== null; i++) {
    const res = await request(harness.app).get(`/products?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    seen.push(...res.body.items.map((p: Listed) => p.sku));
    cursor = res.body.nextCursor;
  }
  return seen;
}

describe('GET /products while products are being created', () => {
  it('when a create commits after a later one, then what a client paged through meanwhile is still the start of the list', async () => {
    for (const sku of ['EARLY-1', 'EARLY-2']) expect(await create(sku)).toBe(201);
    const blocker = await harness.database.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`INSERT INTO products (sku, name, price_cents) VALUES ('SLOW', 'held', 1)`);
      const slow = create('SLOW'); // waits on the unique index until the blocker ends
      await until(async () => (await waitingCreates()) === 1, 'the slow create waits');
      let quickSettled = false;
      const quick = create('QUICK').finally(() => (quickSettled = true));
      await until(async () => quickSettled || (await waitingCreates()) === 2, 'the quick create commits or waits');

      const seen = await pageThrough();
      await blocker.query('ROLLBACK');
      expect([await slow, await quick]).toEqual([201, 201]);

      const all = (await request(harness.app).get('/products?limit=100')).body.items.map((p: Listed) => p.sku);
      expect(all).toHaveLength(4);
      expect(all.slice(0, seen.length)).toEqual(seen);
    } finally {
      await blocker.query('ROLLBACK').catch(() => {});
      blocker.release();
    }
  });
});
