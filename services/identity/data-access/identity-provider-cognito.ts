/** The IdentityProvider port on Cognito's user pool API. */
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  AdminUserGlobalSignOutCommand,
  type AuthenticationResultType,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  BadCredentialsError,
  type DirectoryCallOptions,
  EmailInUseError,
  IdentityProviderUnavailableError,
  RejectedEmailError,
  RejectedPasswordError,
  type IdentityProvider,
  type Tokens,
} from '../domain/ports';
import { isAwsUnavailable } from '../../kit/aws/unavailable';

export interface IdentityProviderCognitoOptions {
  readonly client: CognitoIdentityProviderClient;
  readonly userPoolId: string;
  readonly clientId: string;
  /**
   * Whether the pool supports AdminUserGlobalSignOut. cognito-local 5.3 does not; there, AdminDeleteUser alone
   * makes the user's refresh tokens fail, as they are kept on the user (docs/identity.md, "Deletion ends access").
   * @default true
   */
  readonly globalSignOut?: boolean;
}

const errorName = (error: unknown): unknown => (error as { name?: unknown } | null)?.name;
const isNamed = (error: unknown, ...names: string[]) => names.includes(String(errorName(error)));

/**
 * Every way a sign-in can fail for the caller's input. cognito-local answers a wrong password with
 * InvalidPasswordException where Cognito says NotAuthorizedException; both mean the same here.
 */
const SIGN_IN_FAILURES = [
  'NotAuthorizedException',
  'UserNotFoundException',
  'InvalidPasswordException',
  'UserNotConfirmedException',
  'PasswordResetRequiredException',
];

/**
 * A failure of Cognito itself (down, throttling, unreachable, or the pool's trigger failing), not of the request.
 * Cognito's LimitExceededException is a rate limit of the account, which the SDK retries as throttling; an
 * AbortError is a call stopped at its caller's deadline (DirectoryCallOptions).
 */
const unavailableOr = (error: unknown): unknown =>
  isAwsUnavailable(error) || isNamed(error, 'UnexpectedLambdaException', 'LimitExceededException', 'AbortError') ? new IdentityProviderUnavailableError(RETRY_AFTER_SECONDS, { cause: error }) : error;

const attemptsOf = (error: unknown): number => Number((error as { $metadata?: { attempts?: unknown } }).$metadata?.attempts ?? 1);

/** What a caller is told to wait before trying again while Cognito cannot answer (the SDK has retried already). */
const RETRY_AFTER_SECONDS = 2;

/**
 * Cognito's answer to a parameter it will not take. In the calls below, the parameters other than the caller's
 * email or password are the pool's ids and constants of this file, so the one it refuses is the caller's.
 */
const REFUSED_PARAMETER = 'InvalidParameterException';

/** Cognito's own reason for refusing a password parameter is a constraint of its API, not advice for a user. */
const REFUSED_PASSWORD = 'the user directory does not accept this password; choose another';

export function identityProviderCognito({ client, userPoolId, clientId, globalSignOut = true }: IdentityProviderCognitoOptions): IdentityProvider {
  type Send = CognitoIdentityProviderClient['send'];
  /** Every call to the pool, with Cognito's own failures as IdentityProviderUnavailableError. */
  const send = ((command: Parameters<Send>[0], options?: { abortSignal?: AbortSignal }) =>
    client.send(command, options ?? {}).catch((error: unknown) => Promise.reject(unavailableOr(error)))) as Send;
  const until = (options: DirectoryCallOptions | undefined) => (options?.signal ? { abortSignal: options.signal } : {});

  const deleteUser = async (username: string, options?: DirectoryCallOptions) => {
    try {
      await send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: username }), until(options));
    } catch (error) {
      if (!isNamed(error, 'UserNotFoundException')) throw error;
    }
  };

  /**
   * Sign-in and refresh through the admin API, signed by the task role, so that the app client need allow no public
   * password or SRP sign-in: its client id (public in every token) then lets no one guess passwords at Cognito.
   * Cognito checks an admin sign-in as it does a public one (the same exceptions and challenges). Refresh goes the
   * same way, though the public call would be as safe (it needs a refresh token, which only its owner has): one
   * call, one grant and one list of exceptions for both.
   */
  const authenticate = async (flow: 'ADMIN_USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH', parameters: Record<string, string>) => {
    try {
      const request = { UserPoolId: userPoolId, ClientId: clientId, AuthFlow: flow, AuthParameters: parameters };
      const answer = await send(new AdminInitiateAuthCommand(request));
      // A challenge (new password, MFA) is a sign-in this API cannot finish: as good as wrong credentials.
      if (!answer.AuthenticationResult) throw new BadCredentialsError({ cause: answer.ChallengeName });
      return toTokens(answer.AuthenticationResult);
    } catch (error) {
      if (isNamed(error, ...SIGN_IN_FAILURES, REFUSED_PARAMETER)) throw new BadCredentialsError({ cause: error });
      throw error;
    }
  };

  return {
    async createUser(email, password, options) {
      let sub: string | undefined;
      try {
        const { User } = await send(
          new AdminCreateUserCommand({
            UserPoolId: userPoolId,
            Username: email,
            UserAttributes: [
              { Name: 'email', Value: email },
              { Name: 'email_verified', Value: 'true' },
            ],
            MessageAction: 'SUPPRESS',
          }),
          until(options),
        );
        sub = User?.Attributes?.find((attribute) => attribute.Name === 'sub')?.Value;
      } catch (error) {
        if (isNamed(error, 'UsernameExistsException', 'AliasExistsException')) {
          // The SDK's retry of a create whose first attempt Cognito carried out but answered too late meets that
          // user: not someone else's. The claim's notes let the next signup remove it (signup-claim.ts).
          if (attemptsOf(error) > 1) throw new IdentityProviderUnavailableError(RETRY_AFTER_SECONDS, { cause: error });
          throw new EmailInUseError(email);
        }
        // Cognito checks an email (the user name and the attribute) by rules of its own, not quite the schema's.
        if (isNamed(error, REFUSED_PARAMETER)) throw new RejectedEmailError({ cause: error });
        throw error;
      }
      if (!sub) throw new Error('Cognito created a user without a sub');
      try {
        const permanent = { UserPoolId: userPoolId, Username: sub, Password: password, Permanent: true };
        await send(new AdminSetUserPasswordCommand(permanent), until(options));
      } catch (error) {
        // A user without the caller's password is of no use to anyone: remove it before reporting.
        await deleteUser(sub);
        // A pool's policy, and its history rule (moot for a new user, but a refusal of the password all the same).
        if (isNamed(error, 'InvalidPasswordException', 'PasswordHistoryPolicyViolationException')) throw new RejectedPasswordError(messageOf(error));
        if (isNamed(error, REFUSED_PARAMETER)) throw new RejectedPasswordError(REFUSED_PASSWORD, { cause: error });
        throw error;
      }
      return sub;
    },

    async findUser(emailOrUsername, options) {
      try {
        const user = await send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: emailOrUsername }), until(options));
        const attribute = (name: string) => user.UserAttributes?.find((entry) => entry.Name === name)?.Value;
        const sub = attribute('sub');
        if (!sub || !user.UserCreateDate) return undefined;
        const [email, name] = [attribute('email'), attribute('name')];
        return { sub, createdAt: user.UserCreateDate, ...(email ? { email } : {}), ...(name ? { name } : {}) };
      } catch (error) {
        // A name Cognito will not take (an email a signup sent) names no user.
        if (isNamed(error, 'UserNotFoundException', REFUSED_PARAMETER)) return undefined;
        throw error;
      }
    },

    deleteUser,

    async signOutEverywhere(username) {
      if (!globalSignOut) return;
      try {
        await send(new AdminUserGlobalSignOutCommand({ UserPoolId: userPoolId, Username: username }));
      } catch (error) {
        if (!isNamed(error, 'UserNotFoundException')) throw error;
      }
    },

    signIn: (email, password) => authenticate('ADMIN_USER_PASSWORD_AUTH', { USERNAME: email, PASSWORD: password }),
    refresh: (refreshToken) => authenticate('REFRESH_TOKEN_AUTH', { REFRESH_TOKEN: refreshToken }),
  };
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && message ? message : 'the password does not meet the policy';
}

function toTokens(result: AuthenticationResultType): Tokens {
  const { AccessToken: accessToken, IdToken: idToken, RefreshToken: refreshToken } = result;
  if (!accessToken || !idToken) throw new Error('Cognito answered a sign-in without tokens');
  return {
    accessToken,
    idToken,
    ...(refreshToken ? { refreshToken } : {}),
    expiresIn: result.ExpiresIn ?? secondsLeft(accessToken),
  };
}

/** cognito-local leaves ExpiresIn out; the token's own `exp` says the same thing. */
function secondsLeft(jwt: string): number {
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
  return typeof payload.exp === 'number' ? Math.max(0, payload.exp - Math.floor(Date.now() / 1000)) : 0;
}
