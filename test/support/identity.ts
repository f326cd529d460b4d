import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { Express, RequestHandler } from 'express';
import request from 'supertest';
import { inject } from 'vitest';
import { localCognitoClient } from '../../services/local/emulators/cognito-seed';
import { requireUser } from '../../services/kit/auth/middleware';
import { cachedRevocationList, revocationAware, revocationListPg } from '../../services/kit/auth/revocations';
import { createDatabase, type Database } from '../../services/kit/db/database';
import { createIdentityApp } from '../../services/identity/app';
import { identityProviderCognito } from '../../services/identity/data-access/identity-provider-cognito';
import * as schema from '../../services/identity/data-access/schema';
import { identityUnitOfWork } from '../../services/identity/data-access/unit-of-work';
import type { PaidInvoice } from '../../services/identity/domain/paid-invoice';
import type { IdentityProvider, UnitOfWork } from '../../services/identity/domain/ports';
import { createInbox, type Inbox } from '../../services/kit/inbox/inbox';
import { testVerifier } from './auth';
import { uniqueEmail, type TestCognitoEnv } from './cognito';
import { migratedForAppRole } from './database';
import { testLogger } from './silent-logger';

export const IDENTITY_MIGRATIONS = path.resolve('services/identity/data-access/migrations');

/** Meets the pool's policy. */
export const SIGNUP_PASSWORD = 'Signup-Passw0rd!';

export interface IdentityParts {
  readonly unitOfWork?: UnitOfWork;
  readonly identityProvider?: IdentityProvider;
  /** The guard; by default the harness's, which has no cache (main.ts's has: `cachedGuard`). */
  readonly requireUser?: RequestHandler;
}

export interface IdentityHarness {
  readonly app: Express;
  readonly database: Database<typeof schema>;
  readonly unitOfWork: UnitOfWork;
  /** The inbox the event handlers get in main.ts, on this database. */
  readonly inbox: Inbox<UnitOfWork>;
  readonly identityProvider: IdentityProvider;
  readonly cognito: TestCognitoEnv;
  /** A raw SDK client on the run's emulator, for arranging and checking Cognito state. */
  readonly cognitoClient: CognitoIdentityProviderClient;
  /** Another app on the same database and pool, with some parts replaced (to make one step fail). */
  appWith(parts: IdentityParts): Express;
  /** A guard as main.ts builds it, with its own one-second revocation cache. */
  cachedGuard(): RequestHandler;
  /** Builds the Cognito adapter on another SDK client (one with a middleware that fails a call). */
  identityProviderOn(client: CognitoIdentityProviderClient): IdentityProvider;
  close(): Promise<void>;
}

/** The Identity app on a fresh, migrated database of its own, against the run's cognito-local. */
export async function startIdentityHarness(): Promise<IdentityHarness> {
  const cognito = inject('cognito');
  // Migrated by the owner, used as the rows-only app role: as npm start and AWS run it.
  const testDb = await migratedForAppRole('identity', IDENTITY_MIGRATIONS);
  const database = createDatabase({ connectionString: testDb.appUrl, schema, logger: testLogger });
  const cognitoClient = localCognitoClient(cognito.endpoint, cognito.region);
  const identityProviderOn = (client: CognitoIdentityProviderClient) =>
    identityProviderCognito({ client, userPoolId: cognito.userPoolId, clientId: cognito.clientId, globalSignOut: false });
  const unitOfWork = identityUnitOfWork(database.db);
  const identityProvider = identityProviderOn(cognitoClient);
  // As main.ts builds it, without the one-second cache, so a test sees a revocation at once.
  const guard = requireUser(revocationAware(testVerifier(), revocationListPg(database.db)));
  const appWith = (parts: IdentityParts) =>
    createIdentityApp({
      logger: testLogger,
      unitOfWork: parts.unitOfWork ?? unitOfWork,
      identityProvider: parts.identityProvider ?? identityProvider,
      requireUser: parts.requireUser ?? guard,
      ready: database.ping,
      started: () => true,
      accessLog: false,
    });
  return {
    app: appWith({}),
    database,
    unitOfWork,
    inbox: createInbox(database.db, identityUnitOfWork),
    identityProvider,
    cognito,
    cognitoClient,
    appWith,
    cachedGuard: () => requireUser(revocationAware(testVerifier(), cachedRevocationList(revocationListPg(database.db)))),
    identityProviderOn,
    close: async () => {
      cognitoClient.destroy();
      await database.close();
      await testDb.drop();
    },
  };
}

export interface SignedUp {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  readonly name: string;
}

/** Signs a fresh user up through the API and checks it worked. */
export async function signUp(app: Express, user: Partial<Omit<SignedUp, 'id'>> = {}): Promise<SignedUp> {
  const body = { email: user.email ?? uniqueEmail('signup'), password: user.password ?? SIGNUP_PASSWORD, name: user.name ?? 'Ada' };
  const res = await request(app).post('/identity/signup').send(body);
  if (res.status !== 201) throw new Error(`signup answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { ...body, id: res.body.id as string };
}

export interface IssuedTokens {
  readonly accessToken: string;
  readonly idToken: string;
  readonly refreshToken: string;
}

export async function signIn(app: Express, email: string, password = SIGNUP_PASSWORD): Promise<IssuedTokens> {
  const res = await request(app).post('/identity/token').send({ email, password });
  if (res.status !== 200) throw new Error(`token answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as IssuedTokens;
}

export const bearerOf = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The outbox rows, oldest first, as the relay would publish them. */
export async function outboxEvents(database: Database<typeof schema>): Promise<Array<{ type: string; payload: Record<string, unknown> }>> {
  const { rows } = await database.pool.query<{ type: string; payload: Record<string, unknown> }>(
    'SELECT type, payload FROM outbox ORDER BY seq',
  );
  return rows;
}

/** A profile straight in storage, for tests that do not care how it was made; answers its id. */
export async function insertProfile(harness: IdentityHarness): Promise<string> {
  const id = randomUUID();
  await harness.unitOfWork.profiles.insert({ id, email: uniqueEmail('payer'), name: 'Payer' });
  return id;
}

/** A paid invoice of `userId` with a fresh id. */
export const paidInvoice = (userId: string, totalCents: number, currency = 'USD'): PaidInvoice => ({
  invoiceId: randomUUID(),
  userId,
  totalCents,
  currency,
});

/** The counters a profile shows, as stored. */
export async function countersOf(harness: IdentityHarness, id: string): Promise<{ count?: number; spend?: number }> {
  const profile = await harness.unitOfWork.profiles.findById(id);
  return { count: profile?.paidInvoiceCount, spend: profile && Number(profile.lifetimeSpendCents) };
}
