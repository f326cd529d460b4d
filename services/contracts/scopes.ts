/**
 * The OAuth scopes of the platform's access tokens, stated once. The route table requires API_SCOPE on every
 * authenticated route; in AWS the user pool's pre-token-generation trigger (lib/functions/pre-token-generation.ts)
 * puts it into every access token and takes COGNITO_USER_SCOPE out; the services, the local gateway and the REST
 * API's Cognito authorizer all require API_SCOPE. No imports: the trigger's bundle includes this file.
 */

/** The resource server (`<identifier>/<name>`) scope that only this API grants. */
export const API_SCOPE = 'platform/api';

/**
 * The scope Cognito puts in access tokens from password sign-ins (ADMIN_USER_PASSWORD_AUTH here). It also lets the
 * holder call Cognito's self-service APIs directly (DeleteUser, UpdateUserAttributes), around Identity: the trigger
 * suppresses it, and no route accepts it.
 */
export const COGNITO_USER_SCOPE = 'aws.cognito.signin.user.admin';

/** What the pre-token-generation trigger does to every user access token. */
export const ACCESS_TOKEN_SCOPES = {
  add: [API_SCOPE],
  suppress: [COGNITO_USER_SCOPE],
} as const;

/**
 * Offline only (a verifier configured for the emulator, COGNITO_ENDPOINT set): cognito-local 5.3 runs only V1
 * triggers and hard-codes COGNITO_USER_SCOPE into every access token, so there that scope stands in for
 * API_SCOPE. Never applied to a verifier for a real pool (docs/identity.md, "Scopes offline").
 */
export const EMULATOR_SCOPE_STAND_INS: Readonly<Record<string, string>> = { [COGNITO_USER_SCOPE]: API_SCOPE };
