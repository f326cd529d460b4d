/** Sign-in and refresh: Cognito issues the tokens; Identity only shapes the answers. */
import { AppError } from '../../kit/errors';
import { BadCredentialsError, type IdentityProvider, type Tokens } from './ports';

export interface SessionUseCases {
  signIn(email: string, password: string): Promise<Tokens>;
  refresh(refreshToken: string): Promise<Tokens>;
}

export interface SessionUseCaseDeps {
  readonly identityProvider: IdentityProvider;
}

/** One answer for an unknown email, a wrong password, or a user who cannot sign in: nothing to enumerate. */
const badCredentials = () => AppError.unauthorized('The email or password is not correct.');
const badRefreshToken = () => AppError.unauthorized('The refresh token is not valid.');

const or401 = async (attempt: Promise<Tokens>, answer: () => AppError): Promise<Tokens> => {
  try {
    return await attempt;
  } catch (error) {
    if (error instanceof BadCredentialsError) throw Object.assign(answer(), { cause: error });
    throw error;
  }
};

export function sessionUseCases({ identityProvider }: SessionUseCaseDeps): SessionUseCases {
  return {
    signIn: (email, password) => or401(identityProvider.signIn(email, password), badCredentials),
    refresh: (refreshToken) => or401(identityProvider.refresh(refreshToken), badRefreshToken),
  };
}
