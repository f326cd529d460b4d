/**
 * An attacker's invoice flood, as the issue found it against the REST client: one user keeps sending invoices of
 * 99 lines with one unknown product, 20 at a time. Over gRPC each invoice is one lookup, an unknown product is an
 * answer and not a failure, and nothing queues on a pool: every other user's invoice keeps answering 201.
 * Everything runs on real ports: Billing's HTTP server, Product's gRPC server, both databases.
 */
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGrpcServer } from '../../../../../services/kit/grpc/serve-grpc';
import type { Product } from '../../../../../services/product/domain/product';
import { bearer, loginAs, type TestTokens } from '../../../../support/auth';
import { startBillingHarness, startLocalServer, type BillingHarness, type LocalServer } from '../../../../support/billing';
import { startProductGrpc, startProductHarness, type ProductHarness } from '../../../../support/product';

let billing: BillingHarness;
let product: ProductHarness;
let grpc: RunningGrpcServer;
let server: LocalServer;
let attacker: TestTokens;
let others: TestTokens[];
let catalogue: Product[];

beforeAll(async () => {
  let users: TestTokens[];
  [billing, product, users] = await Promise.all([startBillingHarness(), startProductHarness(), Promise.all(Array.from({ length: 4 }, () => loginAs()))]);
  attacker = users[0]!;
  others = users.slice(1);
  await Promise.all(users.map((user) => billing.accounts.openAccount(user.sub)));
  catalogue = await Promise.all(Array.from({ length: 98 }, (_, i) => product.unitOfWork.products.insert({ sku: `A-${i}-${randomUUID()}`, name: `Item ${i}`, priceCents: 100 + i })));
  grpc = await startProductGrpc(product);
  // Billing as main.ts builds it: the gRPC adapter with its production deadline, retries and breaker.
  server = await startLocalServer(billing.grpcApp(grpc.url).app as RequestListener);
}, 120_000);
afterAll(async () => {
  await server?.close();
  await grpc?.close();
  await billing?.close();
  await product?.close();
});

async function createInvoice(user: TestTokens, lines: object[]): Promise<number> {
  const res = await fetch(`${server.url}/billing/invoices`, {
    method: 'POST',
    headers: { ...bearer(user), 'content-type': 'application/json' },
    body: JSON.stringify({ lines }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Runs `count` tasks, `concurrency` at a time, and answers their results in order. */
async function inWaves<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

describe('an invoice flood with unknown products', () => {
  it('when one user sends 80 invoices of 99 lines with an unknown product, 20 at a time, then each answers 422 and every other user\'s invoice 201', async () => {
    const poisoned = () => [...catalogue.map((p) => ({ productId: p.id, quantity: 1 })), { productId: randomUUID(), quantity: 1 }];
    let attacking = true;
    const attack = inWaves(80, 20, () => createInvoice(attacker, poisoned())).finally(() => (attacking = false));
    const honest = Promise.all(
      others.map(async (user, u) => {
        const statuses: number[] = [];
        // Each honest user keeps buying while the attack lasts, and once more after it.
        do statuses.push(await createInvoice(user, catalogue.slice(3 * u, 3 * u + 3).map((p) => ({ productId: p.id, quantity: 2 }))));
        while (attacking);
        statuses.push(await createInvoice(user, [{ productId: catalogue[u]!.id, quantity: 1 }]));
        return statuses;
      }),
    );
    const [attackStatuses, honestStatuses] = await Promise.all([attack, honest]);
    expect(attackStatuses).toEqual(Array(80).fill(422));
    for (const statuses of honestStatuses) {
      expect(statuses.length).toBeGreaterThanOrEqual(2);
      expect(statuses).toEqual(Array(statuses.length).fill(201));
    }
  }, 120_000);
});
