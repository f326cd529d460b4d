import { AppError } from '../../services/kit/errors';

/** The AppError a call throws; fails the test if it throws anything else, or nothing. */
export function rejection(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}
