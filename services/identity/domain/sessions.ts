/** Sign-in and refresh: Cognito issues the tokens; Identity only shapes the answers. */
import { AppError } from '../../platform/errors';
import { BadCredentialsError, type IdentityProvider, type Tokens } from './identity-provider';

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

export function sessions(directory: IdentityProvider) {
  return {
    signIn: (email: string, password: string) => or401(directory.signIn(email, password), badCredentials),
    refresh: (refreshToken: string) => or401(directory.refresh(refreshToken), badRefreshToken),
  };
}
