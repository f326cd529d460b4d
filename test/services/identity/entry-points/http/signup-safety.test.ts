/**
 * Signup and delete each span Cognito and the database. These tests break one step on purpose (a wrapper around
 * the real unit of work or identity provider, or an SDK middleware) and check that nothing is left half done for long.
 */
import { InvalidPasswordException } from '@aws-sdk/client-cognito-identity-provider';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfirmedUser, localCognitoClient } from '../../../../../services/local/emulators/cognito-seed';
import type { IdentityProvider, UnitOfWork } from '../../../../../services/identity/domain/ports';
import { REVOCATION_CLOCK_ALLOWANCE_MS } from '../../../../../services/kit/auth/revocations';
import { uniqueEmail } from '../../../../support/cognito';
import {
  bearerOf,
  signIn,
  signUp,
  SIGNUP_PASSWORD,
  startIdentityHarness,
  type IdentityHarness,
} from '../../../../support/identity';

let harness: IdentityHarness;

beforeAll(async () => {
  harness = await startIdentityHarness();
});
afterAll(() => harness.close());

const body = (email = uniqueEmail('safe')) => ({ email, password: SIGNUP_PASSWORD, name: 'Careful' });
const claimOf = async (email: string) =>
  (await harness.database.pool.query('SELECT orphan_sub FROM signup_claims WHERE email = $1', [email])).rows[0] as
    | { orphan_sub: string | null }
    | undefined;
const profileCount = async (email: string) =>
  (await harness.database.pool.query('SELECT 1 FROM profiles WHERE email = $1', [email])).rowCount;
const canSignIn = async (email: string, password: string) =>
  (await request(harness.app).post('/identity/token').send({ email, password })).status === 200;

/** The real unit of work, except that writing a profile fails as a full disk or a lost connection would. */
const unitOfWorkFailingProfileInsert = (): UnitOfWork => ({
  ...harness.unitOfWork,
  transaction: (work) =>
    harness.unitOfWork.transaction((scope) =>
      work({
        ...scope,
        profiles: {
          ...scope.profiles,
          insert: async () => {
            throw new Error('profile insert failed');
          },
        },
      }),
    ),
});

/** The real identity provider, except that Cognito refuses every delete. */
const identityProviderFailingDeletes = (): IdentityProvider => ({
  ...harness.identityProvider,
  deleteUser: async () => {
    throw new Error('Cognito is unavailable');
  },
});

describe('signup compensation', () => {
  it('when the profile insert fails, then it answers 500, the Cognito user is removed, and a retry succeeds', async () => {
    const input = body();
    const res = await request(harness.appWith({ unitOfWork: unitOfWorkFailingProfileInsert() })).post('/identity/signup').send(input);
    expect(res.status).toBe(500);
    expect(res.body.detail).not.toContain('profile insert failed');
    expect(await harness.identityProvider.findUser(input.email)).toBeUndefined();
    expect(await claimOf(input.email)).toBeUndefined();
    expect(await profileCount(input.email)).toBe(0);

    expect((await request(harness.app).post('/identity/signup').send(input)).status).toBe(201);
  });

  it('when Cognito rejects the password (a stricter pool policy), then it answers 400 on password and keeps no user', async () => {
    const strict = localCognitoClient(harness.cognito.endpoint, harness.cognito.region);
    strict.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'AdminSetUserPasswordCommand') {
          const message = 'Password did not conform with policy: Password not long enough';
          throw new InvalidPasswordException({ message, $metadata: { httpStatusCode: 400 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'stricterPasswordPolicy' },
    );
    try {
      const input = body();
      const res = await request(harness.appWith({ identityProvider: harness.identityProviderOn(strict) })).post('/identity/signup').send(input);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'password', message: expect.stringContaining('Password not long enough') }]);
      expect(await harness.identityProvider.findUser(input.email)).toBeUndefined();
      expect(await profileCount(input.email)).toBe(0);
      expect(await claimOf(input.email)).toBeUndefined();
    } finally {
      strict.destroy();
    }
  });

  it('when the profile insert and the clean-up both fail, then the next signup removes the leftover and succeeds', async () => {
    const input = body();
    const broken = harness.appWith({ unitOfWork: unitOfWorkFailingProfileInsert(), identityProvider: identityProviderFailingDeletes() });
    expect((await request(broken).post('/identity/signup').send(input)).status).toBe(500);
    const leftover = await harness.identityProvider.findUser(input.email);
    expect(leftover).toBeDefined();
    expect((await claimOf(input.email))?.orphan_sub).toBe(leftover!.sub);

    const res = await request(harness.app).post('/identity/signup').send({ ...input, password: 'Another-Passw0rd!' });
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe(leftover!.sub);
    expect(await canSignIn(input.email, 'Another-Passw0rd!')).toBe(true);
    expect(await canSignIn(input.email, input.password)).toBe(false);
    expect(await claimOf(input.email)).toBeUndefined();
  });
});

describe('signup healing after a crash between the Cognito user and the profile', () => {
  const leaveCrashedSignup = async (email: string, noted: 'sub' | 'since') => {
    // The claim row a signup writes before calling Cognito, as a process that died right after it would leave it.
    await harness.database.pool.query(
      `INSERT INTO signup_claims (email, lease_until, orphan_since) VALUES ($1, now() - interval '1 minute', now() - interval '2 minutes')`,
      [email],
    );
    await createConfirmedUser(harness.cognitoClient, harness.cognito.userPoolId, email, 'Crashed-Passw0rd!');
    const leftover = (await harness.identityProvider.findUser(email))!;
    if (noted === 'sub') await harness.database.pool.query('UPDATE signup_claims SET orphan_sub = $2 WHERE email = $1', [email, leftover.sub]);
    return leftover;
  };

  it.each([['its sub was noted', 'sub' as const], ['only its start time was noted', 'since' as const]])(
    'when the crashed attempt left a Cognito user and %s, then a new signup replaces that user and answers 201',
    async (_what, noted) => {
      const input = body();
      const leftover = await leaveCrashedSignup(input.email, noted);
      const res = await request(harness.app).post('/identity/signup').send(input);
      expect(res.status).toBe(201);
      expect(res.body.id).not.toBe(leftover.sub);
      expect(await canSignIn(input.email, 'Crashed-Passw0rd!')).toBe(false);
      expect(await canSignIn(input.email, input.password)).toBe(true);
      expect(await claimOf(input.email)).toBeUndefined();
    },
  );

  it('when another signup for the email holds the lease, then it answers 409 without touching Cognito', async () => {
    const input = body();
    await harness.database.pool.query(`INSERT INTO signup_claims (email, lease_until) VALUES ($1, now() + interval '1 minute')`, [input.email]);
    const res = await request(harness.app).post('/identity/signup').send(input);
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/in progress/);
    expect(await harness.identityProvider.findUser(input.email)).toBeUndefined();
  });
});

describe('delete when Cognito fails', () => {
  const deleteWithFailingCognito = async () => {
    const account = await signUp(harness.app);
    const tokens = await signIn(harness.app, account.email);
    const res = await request(harness.appWith({ identityProvider: identityProviderFailingDeletes() }))
      .delete('/identity/me')
      .set(bearerOf(tokens.accessToken));
    expect(res.status).toBe(500);
    return { account, tokens };
  };

  it('when the Cognito delete fails, then the profile is gone, and deleting again with a new sign-in finishes the job', async () => {
    const { account, tokens } = await deleteWithFailingCognito();
    expect(await profileCount(account.email)).toBe(0);
    expect(await canSignIn(account.email, account.password)).toBe(true);
    // The old token was revoked in the deletion's transaction.
    expect((await request(harness.app).get('/identity/me').set(bearerOf(tokens.accessToken))).status).toBe(401);
    expect((await request(harness.app).delete('/identity/me').set(bearerOf(tokens.accessToken))).status).toBe(401);

    // A token issued after the revocation (and its clock allowance) counts again: the user can finish the job.
    await sleep(REVOCATION_CLOCK_ALLOWANCE_MS + 1_100);
    const fresh = await signIn(harness.app, account.email, account.password);
    expect((await request(harness.app).delete('/identity/me').set(bearerOf(fresh.accessToken))).status).toBe(204);
    expect(await canSignIn(account.email, account.password)).toBe(false);
    expect(await claimOf(account.email)).toBeUndefined();
  });

  it('when the Cognito delete fails, then a new signup with the email removes the old user and succeeds', async () => {
    const { account } = await deleteWithFailingCognito();
    expect((await claimOf(account.email))?.orphan_sub).toBe(account.id);
    const reborn = await signUp(harness.app, { email: account.email, password: 'Reborn-Passw0rd!' });
    expect(reborn.id).not.toBe(account.id);
    expect(await canSignIn(account.email, account.password)).toBe(false);
    expect(await canSignIn(account.email, 'Reborn-Passw0rd!')).toBe(true);
  });
});
