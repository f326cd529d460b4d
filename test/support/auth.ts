/** Real tokens and a real verifier against the run's shared cognito-local. */
import { inject } from 'vitest';
import { createJwtVerifier, type AccessTokenVerifier } from '../../services/kit/auth/jwt-verifier';
import { createUserAndLogin, type TestUserTokens } from './cognito';

export type TestTokens = TestUserTokens;

export function testVerifier(): AccessTokenVerifier {
  const cognito = inject('cognito');
  return createJwtVerifier({ userPoolId: cognito.userPoolId, clientId: cognito.clientId, jwksUrl: cognito.jwksUrl });
}

/** A fresh confirmed user, signed in; `admin: true` puts it in the admin group first. */
export function loginAs(options: { admin?: boolean } = {}): Promise<TestTokens> {
  return createUserAndLogin(inject('cognito'), options);
}

export const bearer = (tokens: TestTokens) => ({ Authorization: `Bearer ${tokens.accessToken}` });
