/** The kit's token revocation on real PostgreSQL (the revoked_subjects table, as Identity's migrations make it). */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  cachedRevocationList,
  REVOCATION_CLOCK_ALLOWANCE_MS,
  revocationAware,
  revocationListPg,
  revokeSubject,
  type RevocationList,
} from '../../../../services/kit/auth/revocations';
import { createDatabase, type Database } from '../../../../services/kit/db/database';
import { migrateWithLock } from '../../../../services/kit/db/migrate';
import { AppError } from '../../../../services/kit/errors';
import * as schema from '../../../../services/identity/data-access/schema';
import { loginAs, testVerifier, type TestTokens } from '../../../support/auth';
import { createTestDatabase, type TestDatabase } from '../../../support/database';
import { IDENTITY_MIGRATIONS } from '../../../support/identity';
import { decodeJwt } from '../../../support/jwt-forge';
import { testLogger } from '../../../support/silent-logger';

let testDatabase: TestDatabase;
let database: Database<typeof schema>;
let user: TestTokens;

beforeAll(async () => {
  testDatabase = await createTestDatabase('revocations');
  database = createDatabase({ connectionString: testDatabase.url, schema, logger: testLogger });
  await migrateWithLock(database.pool, IDENTITY_MIGRATIONS, 'identity', testLogger);
  user = await loginAs();
});
afterAll(async () => {
  await database?.close();
  await testDatabase?.drop();
});

/** The real list, counting the lookups that reach the database. */
function counting(list: RevocationList = revocationListPg(database.db)) {
  const counted = { lookups: 0, revokedAt: (sub: string) => (counted.lookups++, list.revokedAt(sub)) };
  return counted;
}

describe('the revoked_subjects record', () => {
  it('when a subject was never revoked, then the list says so', async () => {
    expect(await revocationListPg(database.db).revokedAt(randomUUID())).toBeUndefined();
  });

  it('when a subject is revoked again later, then the revocation moves forward, never back', async () => {
    const sub = randomUUID();
    const list = revocationListPg(database.db);
    await revokeSubject(database.db, sub, new Date('2026-01-01T00:00:00.000Z'));
    await revokeSubject(database.db, sub, new Date('2026-02-01T00:00:00.000Z'));
    await revokeSubject(database.db, sub, new Date('2026-01-15T00:00:00.000Z'));
    expect(await list.revokedAt(sub)).toBe(Date.parse('2026-02-01T00:00:00.000Z'));
  });

  it('when a subject is revoked, then it answers the revocation it found: none the first time, the earlier one after', async () => {
    const sub = randomUUID();
    expect(await revokeSubject(database.db, sub, new Date('2026-01-01T00:00:00.000Z'))).toBeUndefined();
    expect(await revokeSubject(database.db, sub, new Date('2026-02-01T00:00:00.000Z'))).toBe(Date.parse('2026-01-01T00:00:00.000Z'));
    expect(await revokeSubject(database.db, sub, new Date('2026-01-15T00:00:00.000Z'))).toBe(Date.parse('2026-02-01T00:00:00.000Z'));
  });

  it('when revoked without a time, then the database clock says when', async () => {
    const sub = randomUUID();
    const before = Date.now();
    await revokeSubject(database.db, sub);
    const after = Date.now();
    // Between the call's start and end (a second's allowance for the two clocks): a bound on one side only let any
    // later time through, such as a revocation in the future that would refuse even the tokens issued after it.
    const at = await revocationListPg(database.db).revokedAt(sub);
    expect(at).toBeGreaterThanOrEqual(before - 1_000);
    expect(at).toBeLessThanOrEqual(after + 1_000);
  });
});

describe('the cache in front of it', () => {
  it('when a subject is asked for repeatedly within the TTL, then the database is asked once', async () => {
    const list = counting();
    let now = 0;
    const cached = cachedRevocationList(list, { ttlMs: 1_000, now: () => now });
    const sub = randomUUID();
    await Promise.all([cached.revokedAt(sub), cached.revokedAt(sub)]);
    now = 999;
    await cached.revokedAt(sub);
    expect(list.lookups).toBe(1);
  });

  it('when the TTL has passed, then a revocation made meanwhile is seen', async () => {
    const list = counting();
    let now = 0;
    const cached = cachedRevocationList(list, { ttlMs: 1_000, now: () => now });
    const sub = randomUUID();
    expect(await cached.revokedAt(sub)).toBeUndefined();
    await revokeSubject(database.db, sub);
    now = 1_000;
    expect(await cached.revokedAt(sub)).toEqual(expect.any(Number));
    expect(list.lookups).toBe(2);
  });

  it('when a lookup fails, then the failure is not remembered', async () => {
    let fail = true;
    const real = revocationListPg(database.db);
    const cached = cachedRevocationList({ revokedAt: (sub) => (fail ? Promise.reject(new Error('connection lost')) : real.revokedAt(sub)) }, { now: () => 0 });
    const sub = randomUUID();
    await expect(cached.revokedAt(sub)).rejects.toThrow('connection lost');
    fail = false;
    await expect(cached.revokedAt(sub)).resolves.toBeUndefined();
  });

  it('when more subjects are asked for than it keeps, then the oldest answer is asked again', async () => {
    const list = counting();
    const cached = cachedRevocationList(list, { maxEntries: 2, now: () => 0 });
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    for (const sub of [a, b, c, b, c, a]) await cached.revokedAt(sub);
    expect(list.lookups).toBe(4);
  });

  it.each([1_001, -1, Number.NaN])('when the TTL is %s ms, then it refuses, naming it', (ttlMs) => {
    expect(() => cachedRevocationList(counting(), { ttlMs })).toThrow(/ttlMs must be 0 to 1000/);
  });
});

describe('a revocation-aware verifier', () => {
  const statusOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 200,
      (error: unknown) => (error instanceof AppError ? error.status : 500),
    );
  const issuedAtMs = () => Number(decodeJwt(user.accessToken).payload.iat) * 1_000;

  it('when the subject was revoked after the token was issued, then the token gets 401 invalid_token', async () => {
    const verifier = revocationAware(testVerifier(), { revokedAt: async () => issuedAtMs() + 500 });
    const error = await verifier.verify(user.accessToken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(401);
    expect((error as AppError).headers['WWW-Authenticate']).toBe('Bearer error="invalid_token"');
  });

  it('when the revocation is within the clock allowance before the token, then the token is still refused', async () => {
    const verifier = revocationAware(testVerifier(), { revokedAt: async () => issuedAtMs() - REVOCATION_CLOCK_ALLOWANCE_MS });
    expect(await statusOf(verifier.verify(user.accessToken))).toBe(401);
  });

  it('when the token was issued after the revocation and its allowance, then it is accepted', async () => {
    const verifier = revocationAware(testVerifier(), { revokedAt: async () => issuedAtMs() - REVOCATION_CLOCK_ALLOWANCE_MS - 1 });
    await expect(verifier.verify(user.accessToken)).resolves.toMatchObject({ sub: user.sub });
  });

  it('when the list answers Infinity (every token of the subject), then the token is refused', async () => {
    expect(await statusOf(revocationAware(testVerifier(), { revokedAt: async () => Number.POSITIVE_INFINITY }).verify(user.accessToken))).toBe(401);
  });

  it('when the list\'s database cannot answer, then 503, never a pass', async () => {
    const down = Object.assign(new pg.DatabaseError('the database system is shutting down', 0, 'error'), { code: '57P01' });
    const verifier = revocationAware(testVerifier(), { revokedAt: () => Promise.reject(down) });
    expect(await statusOf(verifier.verify(user.accessToken))).toBe(503);
  });

  it('when the lookup fails for a bug (a column missing), then 500, never a pass: the deployment alarm counts it, a 503 would hide it', async () => {
    const bug = Object.assign(new pg.DatabaseError('column "revoked_at" does not exist', 0, 'error'), { code: '42703' });
    const verifier = revocationAware(testVerifier(), { revokedAt: () => Promise.reject(bug) });
    expect(await statusOf(verifier.verify(user.accessToken))).toBe(500);
  });

  it('when the token itself is invalid, then the list is not asked', async () => {
    const list = counting();
    expect(await statusOf(revocationAware(testVerifier(), list).verify('not-a-token'))).toBe(401);
    expect(list.lookups).toBe(0);
  });
});
