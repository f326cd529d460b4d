/** The port to the user directory (Cognito). data-access implements it with the AWS SDK. */

export interface Tokens {
  readonly accessToken: string;
  readonly idToken: string;
  /** Absent on refresh: Cognito keeps the refresh token it issued at sign-in. */
  readonly refreshToken?: string;
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
}

export interface DirectoryUser {
  readonly sub: string;
  readonly createdAt: Date;
}

export interface IdentityProvider {
  /**
   * A confirmed user with a permanent password, able to sign in at once; resolves with its `sub`.
   * Throws `EmailInUseError` when the directory has the email, `RejectedPasswordError` when the pool's policy
   * refuses the password (in which case no user is left behind).
   */
  createUser(email: string, password: string): Promise<string>;
  /** undefined when no user has this email (or username). */
  findUser(emailOrUsername: string): Promise<DirectoryUser | undefined>;
  /** Idempotent: a user who is already gone is not an error. */
  deleteUser(emailOrUsername: string): Promise<void>;
  /** Throws `BadCredentialsError` for any reason the pair does not sign in. */
  signIn(email: string, password: string): Promise<Tokens>;
  /** Throws `BadCredentialsError` when the refresh token is not (or no longer) valid. */
  refresh(refreshToken: string): Promise<Tokens>;
}

export class EmailInUseError extends Error {
  constructor(readonly email: string) {
    super(`the directory already has a user with email ${email}`);
    this.name = 'EmailInUseError';
  }
}

export class RejectedPasswordError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RejectedPasswordError';
  }
}

/** Deliberately says nothing about which part was wrong. */
export class BadCredentialsError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('the credentials do not sign in', options);
    this.name = 'BadCredentialsError';
  }
}
