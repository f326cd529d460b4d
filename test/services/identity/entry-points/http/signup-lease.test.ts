/**
 * A signup that outlives its email's lease (Cognito very slow) is fenced: once a second signup has taken the email
 * over, the first one's writes to the claim fail and it stops, committing no profile and leaving the second one's
 * lease and notes alone. Each test makes the first signup wait at one step while a second signup takes over (the
 * lease is aged by SQL) and stops inside its own createUser, then lets the second one go on.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityProviderUnavailableError, type IdentityProvider, type UnitOfWork } from '../../../../../services/identity/domain/ports';
import { uniqueEmail } from '../../../../support/cognito';
import { outboxEvents, SIGNUP_PASSWORD, startIdentityHarness, type IdentityHarness } from '../../../../support/identity';
import { within } from '../../../../support/within';

let harness: IdentityHarness;

beforeAll(async () => {
  harness = await startIdentityHarness();
});
afterAll(() => harness.close());

const WAIT_MS = 10_000;
const SECOND_PASSWORD = 'Second-Passw0rd!';
const body = (email = uniqueEmail('lease')) => ({ email, password: SIGNUP_PASSWORD, name: 'First' });
const query = async (sql: string, email: string) => (await harness.database.pool.query(sql, [email])).rows;
const canSignIn = async (email: string, password: string) =>
  (await request(harness.app).post('/identity/token').send({ email, password })).status === 200;

/** A promise and the function that settles it, for one signup to wait on a step of the other. */
function signal() {
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => (fire = resolve));
  return { fire, fired };
}

/**
 * Ages the first signup's lease past its end, starts a second signup for the email and waits until it has taken
 * the email over and reached createUser, where it stays until `letGo` (or, bounded, WAIT_MS).
 */
async function secondSignupTakesOver(email: string) {
  const atCreate = signal();
  const goOn = signal();
  const waiting: IdentityProvider = {
    ...harness.identityProvider,
    createUser: async (...args) => {
      atCreate.fire();
      await within(WAIT_MS, 'the test letting the second signup go on', goOn.fired);
      return harness.identityProvider.createUser(...args);
    },
  };
  await harness.database.pool.query(`UPDATE signup_claims SET lease_until = now() - interval '1 second' WHERE email = $1`, [email]);
  const answer = request(harness.appWith({ identityProvider: waiting }))
    .post('/identity/signup')
    .send({ email, password: SECOND_PASSWORD, name: 'Second' })
    .then((res) => res);
  const early = await within(WAIT_MS, 'the second signup taking the email over', Promise.race([atCreate.fired.then(() => undefined), answer]));
  if (early) throw new Error(`the second signup answered ${early.status} before reaching Cognito: ${JSON.stringify(early.body)}`);
  return { letGo: goOn.fire, answer: () => within(WAIT_MS, 'the second signup answering', answer) };
}

describe('signup whose lease another signup took over', () => {
  it('when the takeover comes after its Cognito user was made, then it commits no profile, answers 409, and the second signup finishes', async () => {
    const input = body();
    let second: Awaited<ReturnType<typeof secondSignupTakesOver>> | undefined;
    // The takeover lands between the first signup's Cognito user (noted in the claim) and its profile transaction.
    const late: UnitOfWork = {
      ...harness.unitOfWork,
      transaction: async (work) => {
        second = await secondSignupTakesOver(input.email);
        return harness.unitOfWork.transaction(work);
      },
    };
    const first = await request(harness.appWith({ unitOfWork: late })).post('/identity/signup').send(input);
    second!.letGo();
    const res = await second!.answer();

    expect(first.status).toBe(409);
    expect(first.body.detail).toMatch(/in progress/);
    expect(res.status).toBe(201);
    expect(await query('SELECT id FROM profiles WHERE email = $1', input.email)).toEqual([{ id: res.body.id }]);
    expect((await harness.identityProvider.findUser(input.email))?.sub).toBe(res.body.id);
    expect(await canSignIn(input.email, SECOND_PASSWORD)).toBe(true);
    expect(await canSignIn(input.email, input.password)).toBe(false);
    expect(await query('SELECT 1 FROM signup_claims WHERE email = $1', input.email)).toEqual([]);
    const data = (await outboxEvents(harness.database)).map((event) => event.payload.data as { email?: string; userId?: string });
    expect(data.filter((event) => event.email === input.email).map((event) => event.userId)).toEqual([res.body.id]);
  });

  it('when the takeover comes before it made a Cognito user, then it makes none, answers 409, and the second signup finishes', async () => {
    const input = body();
    let second: Awaited<ReturnType<typeof secondSignupTakesOver>> | undefined;
    let created = 0;
    const slowLookup: UnitOfWork = {
      ...harness.unitOfWork,
      profiles: {
        ...harness.unitOfWork.profiles,
        findByEmail: async (email) => {
          const found = await harness.unitOfWork.profiles.findByEmail(email);
          second = await secondSignupTakesOver(email);
          return found;
        },
      },
    };
    const counting: IdentityProvider = { ...harness.identityProvider, createUser: (...args) => (created++, harness.identityProvider.createUser(...args)) };
    const first = await request(harness.appWith({ unitOfWork: slowLookup, identityProvider: counting })).post('/identity/signup').send(input);
    second!.letGo();
    const res = await second!.answer();

    expect(first.status).toBe(409);
    expect(first.body.detail).toMatch(/in progress/);
    expect(created).toBe(0);
    expect(res.status).toBe(201);
    expect(await canSignIn(input.email, SECOND_PASSWORD)).toBe(true);
  });

  it('when Cognito fails it after the takeover, then it leaves the second signup\'s lease held, and a third signup waits its turn', async () => {
    const input = body();
    let second: Awaited<ReturnType<typeof secondSignupTakesOver>> | undefined;
    const failingLate: IdentityProvider = {
      ...harness.identityProvider,
      createUser: async (email) => {
        second = await secondSignupTakesOver(email);
        throw new IdentityProviderUnavailableError(2);
      },
    };
    const first = await request(harness.appWith({ identityProvider: failingLate })).post('/identity/signup').send(input);
    try {
      expect(first.status).toBe(503);
      expect(await query('SELECT lease_until > now() AS held FROM signup_claims WHERE email = $1', input.email)).toEqual([{ held: true }]);
      const third = await request(harness.app).post('/identity/signup').send({ ...input, password: 'Third-Passw0rd!' });
      expect(third.status).toBe(409);
      expect(third.body.detail).toMatch(/in progress/);
    } finally {
      second!.letGo();
    }
    expect((await second!.answer()).status).toBe(201);
    expect(await canSignIn(input.email, SECOND_PASSWORD)).toBe(true);
  });
});
