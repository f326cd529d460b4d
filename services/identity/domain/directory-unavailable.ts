/**
 * The directory as the use cases call it: while Cognito cannot answer (down, throttling, unreachable), every call
 * fails as a 503 with Retry-After, not as a 500 that says "a bug", and the client may retry: a signup cut short
 * this way leaves notes in its claim for the next attempt to clean up after it (signup-claim.ts).
 */
import { AppError } from '../../kit/errors';
import { IdentityProviderUnavailableError, type IdentityProvider } from './ports';

const DETAIL = 'The user directory cannot be reached right now; retry shortly.';

function answering503<A extends unknown[], R>(call: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await call(...args);
    } catch (error) {
      if (error instanceof IdentityProviderUnavailableError) throw AppError.unavailable(DETAIL, error.retryAfterSeconds, error);
      throw error;
    }
  };
}

export function unavailableAs503(directory: IdentityProvider): IdentityProvider {
  return {
    createUser: answering503(directory.createUser.bind(directory)),
    findUser: answering503(directory.findUser.bind(directory)),
    deleteUser: answering503(directory.deleteUser.bind(directory)),
    signOutEverywhere: answering503(directory.signOutEverywhere.bind(directory)),
    signIn: answering503(directory.signIn.bind(directory)),
    refresh: answering503(directory.refresh.bind(directory)),
  };
}
