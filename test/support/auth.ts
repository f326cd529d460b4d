/** Real tokens and a real verifier against the run's shared cognito-local. */
import { inject } from 'vitest';
import { verifierFromConfig } from '../../services/kit/auth/from-config';
import type { AccessTokenVerifier } from '../../services/kit/auth/jwt-verifier';
import { createUserAndLogin, type TestUserTokens } from './cognito';

export type TestTokens = TestUserTokens;

/** The verifier the services build offline (emulator mode: the emulator's keys and scope stand-in). */
export function testVerifier(): AccessTokenVerifier {
  const cognito = inject('cognito');
  return verifierFromConfig({ COGNITO_USER_POOL_ID: cognito.userPoolId, COGNITO_CLIENT_ID: cognito.clientId, COGNITO_ENDPOINT: cognito.endpoint });
}

/** A fresh confirmed user, signed in; `admin: true` puts it in the admin group first. */
export function loginAs(options: { admin?: boolean } = {}): Promise<TestTokens> {
  return createUserAndLogin(inject('cognito'), options);
}

export const bearer = (tokens: TestTokens) => ({ Authorization: `Bearer ${tokens.accessToken}` });
