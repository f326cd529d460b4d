import { createJwtVerifier, type AccessTokenVerifier } from './jwt-verifier';

export interface CognitoSettings {
  readonly COGNITO_USER_POOL_ID: string;
  readonly COGNITO_CLIENT_ID: string;
  /** Set offline only: the emulator serves the pool's keys over plain http at this base URL. */
  readonly COGNITO_ENDPOINT?: string | undefined;
}

/** The verifier every service builds from its config: AWS's public keys, or the emulator's when one is set. */
export function verifierFromConfig(config: CognitoSettings): AccessTokenVerifier {
  const endpoint = config.COGNITO_ENDPOINT?.replace(/\/+$/, '');
  return createJwtVerifier({
    userPoolId: config.COGNITO_USER_POOL_ID,
    clientId: config.COGNITO_CLIENT_ID,
    ...(endpoint ? { jwksUrl: `${endpoint}/${config.COGNITO_USER_POOL_ID}/.well-known/jwks.json` } : {}),
  });
}
