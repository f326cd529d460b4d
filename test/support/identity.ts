import path from 'node:path';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { Express } from 'express';
import request from 'supertest';
import { inject } from 'vitest';
import { localCognitoClient } from '../../services/local/cognito-seed';
import { requireUser } from '../../services/platform/auth/middleware';
import { createDatabase, migrateWithLock, type Database } from '../../services/platform/db/database';
import { createIdentityApp } from '../../services/identity/app';
import { cognitoDirectory } from '../../services/identity/data-access/cognito-directory';
import { identityStore } from '../../services/identity/data-access/identity-store';
import * as schema from '../../services/identity/data-access/schema';
import type { IdentityProvider } from '../../services/identity/domain/identity-provider';
import type { IdentityStore } from '../../services/identity/domain/store';
import { testVerifier } from './auth';
import { uniqueEmail, type TestCognitoEnv } from './cognito';
import { createTestDatabase } from './database';
import { testLogger } from './silent-logger';

export const IDENTITY_MIGRATIONS = path.resolve('services/identity/data-access/migrations');

/** Meets the pool's policy. */
export const SIGNUP_PASSWORD = 'Signup-Passw0rd!';

export interface IdentityParts {
  readonly store?: IdentityStore;
  readonly directory?: IdentityProvider;
}

export interface IdentityHarness {
  readonly app: Express;
  readonly database: Database<typeof schema>;
  readonly store: IdentityStore;
  readonly directory: IdentityProvider;
  readonly cognito: TestCognitoEnv;
  /** A raw SDK client on the run's emulator, for arranging and checking Cognito state. */
  readonly cognitoClient: CognitoIdentityProviderClient;
  /** Another app on the same database and pool, with some parts replaced (to make one step fail). */
  appWith(parts: IdentityParts): Express;
  /** Builds the Cognito adapter on another SDK client (one with a middleware that fails a call). */
  directoryOn(client: CognitoIdentityProviderClient): IdentityProvider;
  close(): Promise<void>;
}

/** The Identity app on a fresh, migrated database of its own, against the run's cognito-local. */
export async function startIdentityHarness(): Promise<IdentityHarness> {
  const cognito = inject('cognito');
  const testDb = await createTestDatabase('identity');
  const database = createDatabase({ connectionString: testDb.url, schema, logger: testLogger });
  await migrateWithLock(database.pool, IDENTITY_MIGRATIONS, 'identity', testLogger);
  const cognitoClient = localCognitoClient(cognito.endpoint, cognito.region);
  const directoryOn = (client: CognitoIdentityProviderClient) =>
    cognitoDirectory({ client, userPoolId: cognito.userPoolId, clientId: cognito.clientId });
  const store = identityStore(database.db);
  const directory = directoryOn(cognitoClient);
  const guard = requireUser(testVerifier());
  const appWith = (parts: IdentityParts) =>
    createIdentityApp({
      logger: testLogger,
      store: parts.store ?? store,
      directory: parts.directory ?? directory,
      requireUser: guard,
      ready: database.ping,
      accessLog: false,
    });
  return {
    app: appWith({}),
    database,
    store,
    directory,
    cognito,
    cognitoClient,
    appWith,
    directoryOn,
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
