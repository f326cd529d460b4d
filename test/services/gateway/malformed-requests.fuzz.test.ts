/**
 * The edge holds against abuse: thousands of generated malformed requests (malformed-requests.ts) go through the
 * real gateway to the real Identity, Product and Billing, and some straight to each service. None may answer
 * 5xx or go unanswered, and every error must be a problem+json whose requestId is the response's x-request-id.
 * Bounded in count (FUZZ_RUNS batches of 16, 200 by default) and in time; on a failure fast-check prints the
 * seed and the shrunk batch (replay with `seed` and `path` in the options).
 */
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs } from '../../support/auth';
import { rawRequest as sendRaw, type RawAnswer } from '../kit/http/raw-http';
import { startEdgePlatform, type EdgePlatform } from './edge-platform';
import { fuzzRequest, rawRequest, type FuzzRequest, type KnownIds } from './malformed-requests';

const BATCH = 16;
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const TIME_LIMIT_MS = 12_000;
/**
 * Every answer comes at once here; a request still unanswered after this is stuck. Not less: with 3 s, a batch
 * timed out once in a run of the whole suite beside a second whole run (2026-12-02), and passed at once alone.
 */
const ANSWER_TIMEOUT_MS = 10_000;

let platform: EdgePlatform;
let ids: KnownIds;
const seen = new Map<number, number>();

beforeAll(async () => {
  const [edge, user, admin] = await Promise.all([startEdgePlatform(), loginAs(), loginAs({ admin: true })]);
  platform = edge;
  await platform.billing.accounts.openAccount(user.sub);
  const product = await platform.product.unitOfWork.products.insert({ sku: 'FUZZ-1', name: 'Fuzzed', priceCents: 100 });
  const created = await request(`${platform.url}/billing/invoices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ lines: [{ productId: product.id, quantity: 1 }] }),
  });
  const invoice = (await created.body.json()) as { id: string };
  ids = { product: product.id, invoice: invoice.id, userToken: user.accessToken, adminToken: admin.accessToken };
}, 60_000);
afterAll(() => platform?.close());

interface Answer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
}

/** undici refuses to send some generated requests at all (a body on HEAD, …): there is no answer to judge. */
const REFUSED_BY_CLIENT = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_ARG_VALUE', 'ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN']);

async function send(base: string, fuzz: FuzzRequest): Promise<Answer | undefined> {
  try {
    const res = await request(base + fuzz.path, {
      method: fuzz.method as 'GET',
      headers: fuzz.headers,
      body: fuzz.body,
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  } catch (error) {
    if (REFUSED_BY_CLIENT.has((error as { code?: string }).code ?? '')) return undefined;
    throw error;
  }
}

function expectCleanAnswer(answer: Answer | RawAnswer, method: string, what: string): void {
  seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
  expect(answer.status, what).toBeLessThan(500);
  if (answer.status < 400) return;
  expect(answer.headers['content-type'], what).toBe('application/problem+json; charset=utf-8');
  if (method === 'HEAD') return;
  const problem = JSON.parse(answer.body) as { status?: unknown; requestId?: unknown; type?: unknown };
  expect(problem, what).toMatchObject({ status: answer.status, requestId: answer.headers['x-request-id'] });
  expect(String(problem.type), what).toMatch(/^urn:problem-type:platform:/);
  expect(answer.body, what).not.toMatch(/<html|\bat \S+\.(?:ts|js):\d+/i);
}

/** The gateway four times out of seven, each service directly once. */
const targetOf = (pick: number) => {
  const targets = [platform.url, platform.url, platform.url, platform.url, ...Object.values(platform.services)];
  return targets[pick % targets.length]!;
};

describe('the edge under generated malformed requests', () => {
  it('when thousands of malformed requests arrive through the gateway and at the services, then each gets an answer, none 5xx, every error a problem with a request id', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fuzzRequest(ids), fc.nat()), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        await Promise.all(
          batch.map(async ([fuzz, pick]) => {
            const base = targetOf(pick);
            const answer = await send(base, fuzz);
            if (answer) expectCleanAnswer(answer, fuzz.method, `${fuzz.method} ${base}${fuzz.path.slice(0, 200)}`);
          }),
        );
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
    // Not vacuous: ten batches' worth answered at least, however slow the host (the time limit may end the run
    // early) and however many requests the client itself refused to send.
    const answered = [...seen.values()].reduce((sum, count) => sum + count, 0);
    expect(answered).toBeGreaterThanOrEqual(BATCH * Math.min(10, RUNS));
    // The generators reach every layer: admitted requests, validation, auth, routing, media types.
    expect([...seen.keys()]).toEqual(expect.arrayContaining([200, 400, 401, 404, 405, 415]));
  }, 60_000);

  it('when bytes that no HTTP client sends arrive, then the answer is still a problem with a request id, never a bare status line', async () => {
    await fc.assert(
      fc.asyncProperty(rawRequest, fc.nat(), async (bytes, pick) => {
        const base = targetOf(pick);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
        });
        try {
          const answer = await Promise.race([sendRaw(base, bytes), late]);
          expectCleanAnswer(answer, 'GET', `${base} ${JSON.stringify(bytes.toString('latin1').slice(0, 120))}`);
        } finally {
          clearTimeout(timer);
        }
      }),
      { numRuns: 300, interruptAfterTimeLimit: 5_000, markInterruptAsFailure: false },
    );
  }, 30_000);
});
