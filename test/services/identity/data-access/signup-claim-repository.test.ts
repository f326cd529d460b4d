/**
 * The claim's fence in SQL: a lease's token is what lets its signup write. Once another signup has taken the email
 * over, every write with the old token throws LeaseLostError and leaves the row as the new holder has it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLostError, type SignupLease } from '../../../../services/identity/domain/signup-claim';
import { uniqueEmail } from '../../../support/cognito';
import { startIdentityHarness, type IdentityHarness } from '../../../support/identity';
import { eventually, within } from '../../../support/within';

let harness: IdentityHarness;

beforeAll(async () => {
  harness = await startIdentityHarness();
});
afterAll(() => harness.close());

const rowOf = async (email: string) =>
  (await harness.database.pool.query('SELECT lease_until, lease_token, orphan_since, orphan_sub FROM signup_claims WHERE email = $1', [email])).rows[0];

/** Sessions of the test's database waiting for a lock another holds (the app role sees its own sessions). */
const lockWaiters = async () =>
  (await harness.database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0]!.n;

/** Takes the email's lease, failing the test if it is held. A lease of 0 ms is over at once, free to take over. */
const take = async (email: string, leaseMs: number): Promise<SignupLease> => {
  const claim = await harness.unitOfWork.claims.claim(email, leaseMs);
  if (!claim.held) throw new Error(`the lease on ${email} is held`);
  return claim.lease;
};

describe('signup claim fencing', () => {
  it('when another signup has taken the email over, then each write with the old lease throws LeaseLostError and changes nothing', async () => {
    const { claims } = harness.unitOfWork;
    const email = uniqueEmail('fence');
    const stale = await take(email, 0);
    const current = await take(email, 60_000);
    expect(current.token).not.toBe(stale.token);
    await claims.markAttempt(current, null);
    const before = await rowOf(email);

    await expect(claims.markAttempt(stale, null)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(claims.noteCreatedUser(stale, randomUUID())).rejects.toBeInstanceOf(LeaseLostError);
    await expect(claims.endLease(stale)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(claims.release(stale)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await rowOf(email)).toEqual(before);
  });

  it('when an account with the email is deleted while a signup holds its lease, then its user is noted all the same and the lease still counts', async () => {
    const { claims } = harness.unitOfWork;
    const email = uniqueEmail('fence');
    const lease = await take(email, 60_000);
    await claims.markAttempt(lease, null);
    const deleted = randomUUID();

    await claims.rememberDeletedUser(email, deleted);
    expect(await claims.findClaim(email)).toEqual({ leaseHeld: true, orphan: { since: null, sub: deleted } });
    const mine = randomUUID();
    await claims.noteCreatedUser(lease, mine);
    expect((await claims.findClaim(email))?.orphan.sub).toBe(mine);
  });

  it('when an account is deleted after a signup took its lease and before it marks its attempt, then the deleted user stays noted', async () => {
    // The signup saw no leftover at its claim, so it has none to forget: the deletion's sub is what keeps the deleted
    // user from a profile made again, should the deletion's directory step fail.
    const { claims } = harness.unitOfWork;
    const email = uniqueEmail('fence');
    const lease = await take(email, 60_000);
    const deleted = randomUUID();
    await claims.rememberDeletedUser(email, deleted);

    await claims.markAttempt(lease, null);
    const claim = await claims.findClaim(email);
    expect(claim?.orphan.sub).toBe(deleted);
    expect(claim?.orphan.since).toBeInstanceOf(Date);
  });

  it('when a signup marks its attempt after dealing with the leftover it found at its claim, then that leftover is forgotten', async () => {
    const { claims } = harness.unitOfWork;
    const email = uniqueEmail('fence');
    const leftover = randomUUID();
    await claims.rememberDeletedUser(email, leftover);
    const claim = await claims.claim(email, 60_000);
    if (!claim.held) throw new Error('the lease is held');
    expect(claim.orphan?.sub).toBe(leftover);

    await claims.markAttempt(claim.lease, leftover);
    expect((await claims.findClaim(email))?.orphan).toEqual({ since: expect.any(Date), sub: null });
  });

  it('when an account is deleted with no signup holding its email, then its directory user is noted for the next signup', async () => {
    const email = uniqueEmail('fence');
    const sub = randomUUID();
    await take(email, 0); // a signup's row whose lease is over
    await harness.unitOfWork.claims.rememberDeletedUser(email, sub);
    expect(await harness.unitOfWork.claims.findClaim(email)).toEqual({ leaseHeld: false, orphan: { since: null, sub } });
  });

  it('when a row from the release before has no token, then a signup takes it over once expired and its writes count', async () => {
    const email = uniqueEmail('fence');
    const sub = randomUUID();
    await harness.database.pool.query(`INSERT INTO signup_claims (email, lease_until, orphan_sub) VALUES ($1, now(), $2)`, [email, sub]);
    const claim = await harness.unitOfWork.claims.claim(email, 60_000);
    expect(claim).toMatchObject({ held: true, orphan: { sub } });
    if (!claim.held) return;
    await harness.unitOfWork.claims.noteCreatedUser(claim.lease, randomUUID());
    await harness.unitOfWork.claims.release(claim.lease);
    expect(await rowOf(email)).toBeUndefined();
  });

  it('when the profile transaction has released the claim, then a takeover waits for its commit and finds the row gone', async () => {
    const email = uniqueEmail('fence');
    const lease = await take(email, 0);
    let takeover: ReturnType<typeof harness.unitOfWork.claims.claim> | undefined;
    await harness.unitOfWork.transaction(async (scope) => {
      await scope.claims.release(lease);
      takeover = harness.unitOfWork.claims.claim(email, 60_000);
      let settled = false;
      takeover.finally(() => (settled = true)).catch(() => {});
      // Until PostgreSQL shows it waiting on a lock, or it is through: a fixed pause instead passed whenever the
      // takeover had not yet reached the server (a loaded host), so it proved nothing about the lock.
      await eventually('the takeover waiting on the released row, or getting through it', async () => settled || (await lockWaiters()) > 0, 10_000);
      expect(settled, 'the takeover got through a row whose release was not committed').toBe(false);
    });
    // A fresh row: the committed signup's notes are gone with its row, and nothing is left to heal.
    expect(await within(5_000, 'the takeover claiming', takeover!)).toMatchObject({ held: true, orphan: undefined });
  });
});
