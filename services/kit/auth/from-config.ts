import { API_SCOPE, EMULATOR_SCOPE_STAND_INS } from '../../contracts/scopes';
import { createJwtVerifier, type AccessTokenVerifier, type JwtVerifierOptions } from './jwt-verifier';

export interface CognitoSettings {
  readonly COGNITO_USER_POOL_ID: string;
  readonly COGNITO_CLIENT_ID: string;
  /** Set offline only: the emulator serves the pool's keys over plain http at this base URL. */
  readonly COGNITO_ENDPOINT?: string | undefined;
}

/**
 * What every service and the local gateway verify: an access token of the pool and client, carrying the API
 * scope. Against the emulator (COGNITO_ENDPOINT set), its keys come from there, and its hard-coded
 * `aws.cognito.signin.user.admin` scope stands in for the API scope, which it cannot issue; against a real pool
 * neither applies, so such a token is refused (docs/identity.md, "Scopes offline").
 */
export function verifierOptionsFromConfig(config: CognitoSettings): JwtVerifierOptions {
  const endpoint = config.COGNITO_ENDPOINT?.replace(/\/+$/, '');
  return {
    userPoolId: config.COGNITO_USER_POOL_ID,
    clientId: config.COGNITO_CLIENT_ID,
    requiredScopes: [API_SCOPE],
    ...(endpoint ? { jwksUrl: `${endpoint}/${config.COGNITO_USER_POOL_ID}/.well-known/jwks.json`, scopeStandIns: EMULATOR_SCOPE_STAND_INS } : {}),
  };
}

/** The verifier every service builds from its config: AWS's public keys, or the emulator's when one is set. */
export function verifierFromConfig(config: CognitoSettings): AccessTokenVerifier {
  return createJwtVerifier(verifierOptionsFromConfig(config));
}
