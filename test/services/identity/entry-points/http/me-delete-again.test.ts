/**
 * DELETE /identity/me sent again with a token whose user it has already deleted, before the guard can know: its
 * revocation cache (main.ts's) answers "not revoked" for up to a second, and a concurrent request passed the guard
 * before the first one committed. Such a request is a deleted user's: 401, as every other one is, and Cognito is
 * not asked about a user who is gone.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityProvider, UnitOfWork } from '../../../../../services/identity/domain/ports';
import { bearerOf, outboxEvents, signIn, signUp, startIdentityHarness, type IdentityHarness } from '../../../../support/identity';
import { eventually } from '../../../../support/within';

let harness: IdentityHarness;
beforeAll(async () => {
  harness = await startIdentityHarness();
});
afterAll(() => harness.close());

/** The harness's directory, counting the calls the deletion makes to it. */
function countingDirectory() {
  const { identityProvider } = harness;
  const calls: string[] = [];
  const counted = <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) => (...args: A) => (calls.push(name), call(...args));
  const directory: IdentityProvider = {
    ...identityProvider,
    findUser: counted('findUser', identityProvider.findUser),
    signOutEverywhere: counted('signOutEverywhere', identityProvider.signOutEverywhere),
    deleteUser: counted('deleteUser', identityProvider.deleteUser),
  };
  return { directory, calls };
}

const eventsOf = async (userId: string) =>
  (await outboxEvents(harness.database)).filter((row) => (row.payload.data as { userId?: string }).userId === userId).map((row) => row.type);

const revokedAt = async (userId: string) =>
  (await harness.database.pool.query<{ revoked_at: Date }>('SELECT revoked_at FROM revoked_subjects WHERE sub = $1', [userId])).rows[0]?.revoked_at;

function expectRevoked(res: request.Response) {
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  expect(res.body).toMatchObject({ type: 'urn:problem-type:platform:unauthorized', detail: 'The access token has been revoked.', requestId: res.headers['x-request-id'] });
}

describe('DELETE /identity/me, repeated with the same token', () => {
  it('when the guard\'s one-second cache still takes the token (as main.ts builds it), then the repeat answers 401, asks Cognito nothing, and moves the revocation no later', async () => {
    const account = await signUp(harness.app);
    const issued = await signIn(harness.app, account.email);
    const { directory, calls } = countingDirectory();
    const app = harness.appWith({ identityProvider: directory, requireUser: harness.cachedGuard() });
    const del = () => request(app).delete('/identity/me').set(bearerOf(issued.accessToken));

    expect((await del()).status).toBe(204);
    const [firstCalls, firstRevocation] = [calls.length, await revokedAt(account.id)];
    for (let attempt = 0; attempt < 3; attempt++) expectRevoked(await del());

    expect(calls.length).toBe(firstCalls);
    expect(await revokedAt(account.id)).toEqual(firstRevocation);
    expect(await eventsOf(account.id)).toEqual(['identity.user.registered', 'identity.user.deleted']);
  });

  it('when a second DELETE passes the guard while the first has not committed, then it waits for it and answers 401; the first answers 204, with one identity.user.deleted', async () => {
    const account = await signUp(harness.app);
    const issued = await signIn(harness.app, account.email);
    // The first deletion's first transaction stays open, its work done, until the second waits on its rows.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const holding: UnitOfWork = {
      ...harness.unitOfWork,
      transaction: (work) =>
        harness.unitOfWork.transaction(async (scope) => {
          const result = await work(scope);
          if (first) {
            first = false;
            await released;
          }
          return result;
        }),
    };
    const { directory, calls } = countingDirectory();
    const app = harness.appWith({ unitOfWork: holding, identityProvider: directory });
    const del = () => request(app).delete('/identity/me').set(bearerOf(issued.accessToken)).then((res) => res);

    const firstDelete = del();
    await eventually('the first deletion holding its transaction', () => !first);
    const secondDelete = del();
    await eventually('the second deletion waiting on the first one\'s rows', async () => {
      const { rows } = await harness.database.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
      return rows.length > 0;
    });
    release();

    expectRevoked(await secondDelete);
    expect((await firstDelete).status).toBe(204);
    // Only the first deletion's directory step: findUser, sign-out, delete.
    expect(calls).toEqual(['findUser', 'signOutEverywhere', 'deleteUser']);
    expect(await eventsOf(account.id)).toEqual(['identity.user.registered', 'identity.user.deleted']);
    expect(await harness.identityProvider.findUser(account.email)).toBeUndefined();
  });
});
