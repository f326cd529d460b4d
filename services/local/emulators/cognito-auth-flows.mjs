// @ts-check
/**
 * Loaded into cognito-local's child process before cognito-local itself (cognito-emulator.ts), to make its sign-in
 * answer as Cognito's does where the platform depends on it. cognito-local 5.3 stores an app client's
 * ExplicitAuthFlows but never checks them, so offline anyone could sign in with USER_PASSWORD_AUTH on a client that
 * Cognito would refuse it on; and its AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH skips what its InitiateAuth checks
 * (a password that must be reset, a temporary password, MFA), where Cognito checks both alike.
 *
 * So InitiateAuth and AdminInitiateAuth first refuse a flow the client does not allow, with Cognito's
 * InvalidParameterException "<flow> flow not enabled for this client"; a client made without ExplicitAuthFlows
 * allows what Cognito's does (SRP, custom and refresh). A password sign-in of a disabled user is refused as Cognito
 * does (NotAuthorizedException). ADMIN_USER_PASSWORD_AUTH then runs cognito-local's USER_PASSWORD_AUTH.
 *
 * It replaces entries of cognito-local's target table (lib/targets/targets.js), which its router reads per request;
 * that ties this file to cognito-local 5.x, and test/services/local/emulators/cognito-auth-flows.test.ts covers it.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

/** The ExplicitAuthFlows entries that allow each flow: the current names, and the legacy ones Cognito still takes. */
const ALLOWED_BY = /** @type {Readonly<Record<string, readonly string[]>>} */ ({
  USER_PASSWORD_AUTH: ['ALLOW_USER_PASSWORD_AUTH', 'USER_PASSWORD_AUTH'],
  ADMIN_USER_PASSWORD_AUTH: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH'],
  ADMIN_NO_SRP_AUTH: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH'],
  USER_SRP_AUTH: ['ALLOW_USER_SRP_AUTH'],
  CUSTOM_AUTH: ['ALLOW_CUSTOM_AUTH', 'CUSTOM_AUTH_FLOW_ONLY'],
  REFRESH_TOKEN_AUTH: ['ALLOW_REFRESH_TOKEN_AUTH'],
  REFRESH_TOKEN: ['ALLOW_REFRESH_TOKEN_AUTH'],
});

/** What Cognito allows a client created without ExplicitAuthFlows. */
const DEFAULT_FLOWS = ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH'];

const PASSWORD_FLOWS = new Set(['USER_PASSWORD_AUTH', 'ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH']);

/**
 * @typedef {{ AuthFlow?: string; ClientId?: string; UserPoolId?: string; AuthParameters?: Record<string, string> }} AuthRequest
 * @typedef {(ctx: unknown, req: AuthRequest) => Promise<unknown>} Target
 * @typedef {{ cognito: {
 *   getAppClient(ctx: unknown, clientId: string | undefined): Promise<{ UserPoolId: string; ExplicitAuthFlows?: string[] } | null>;
 *   getUserPoolForClientId(ctx: unknown, clientId: string | undefined): Promise<{ getUserByUsername(ctx: unknown, name: string): Promise<{ Enabled?: boolean } | null> }>;
 * } }} Services
 * @typedef {(services: Services) => Target} TargetFactory
 * @typedef {new (message?: string) => Error} CognitoErrorClass
 * @typedef {{ InvalidParameterError: CognitoErrorClass; NotAuthorizedError: CognitoErrorClass; ResourceNotFoundError: CognitoErrorClass }} Errors
 */

/** Whether Cognito would let `client` run `flow`; a flow it does not know is left to cognito-local to refuse. */
export function flowAllowed(/** @type {string | undefined} */ flow, /** @type {readonly string[] | undefined} */ explicitAuthFlows) {
  const allowedBy = ALLOWED_BY[String(flow)];
  if (!allowedBy) return true;
  const flows = explicitAuthFlows ?? DEFAULT_FLOWS;
  // A client listing only legacy names (no ALLOW_ prefix) never had refresh gated.
  if (allowedBy.includes('ALLOW_REFRESH_TOKEN_AUTH') && !flows.some((name) => name.startsWith('ALLOW_'))) return true;
  return flows.some((name) => allowedBy.includes(name));
}

/** Installs the checks; `startJs` is cognito-local's lib/bin/start.js, whose package's modules are the ones it runs. */
export function enforceAuthFlows(/** @type {string} */ startJs) {
  const require = createRequire(startJs);
  const fromLib = (/** @type {string} */ file) => require(path.join(path.dirname(startJs), '..', file));
  const { Targets } = /** @type {{ Targets: Record<string, TargetFactory> }} */ (fromLib('targets/targets.js'));
  const errors = /** @type {Errors} */ (fromLib('errors.js'));
  const { InitiateAuth: initiateAuth, AdminInitiateAuth: adminInitiateAuth } = Targets;
  if (!initiateAuth || !adminInitiateAuth) throw new Error(`cognito-local at ${startJs} has no InitiateAuth or AdminInitiateAuth target`);

  /** Cognito's refusals that come before the password: a flow the client does not allow, a disabled user. */
  const refuseEarly = async (/** @type {Services} */ services, /** @type {unknown} */ ctx, /** @type {AuthRequest} */ req) => {
    const client = await services.cognito.getAppClient(ctx, req.ClientId);
    if (!client) return; // cognito-local's own answer for an unknown client
    if (!flowAllowed(req.AuthFlow, client.ExplicitAuthFlows)) throw new errors.InvalidParameterError(`${req.AuthFlow} flow not enabled for this client`);
    const username = req.AuthParameters?.USERNAME;
    if (!PASSWORD_FLOWS.has(String(req.AuthFlow)) || !username) return;
    const pool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId);
    if ((await pool.getUserByUsername(ctx, username))?.Enabled === false) throw new errors.NotAuthorizedError('User is disabled.');
  };

  Targets.InitiateAuth = (services) => {
    const original = initiateAuth(services);
    return async (ctx, req) => {
      await refuseEarly(services, ctx, req);
      return original(ctx, req);
    };
  };

  Targets.AdminInitiateAuth = (services) => {
    const original = adminInitiateAuth(services);
    const publicSignIn = initiateAuth(services);
    return async (ctx, req) => {
      const client = await services.cognito.getAppClient(ctx, req.ClientId);
      if (client && client.UserPoolId !== req.UserPoolId) throw new errors.ResourceNotFoundError(`User pool client ${req.ClientId} does not exist.`);
      await refuseEarly(services, ctx, req);
      if (!PASSWORD_FLOWS.has(String(req.AuthFlow))) return original(ctx, req);
      return publicSignIn(ctx, { ...req, AuthFlow: 'USER_PASSWORD_AUTH' });
    };
  };
}
