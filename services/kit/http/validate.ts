import type { z } from 'zod';
import { AppError, type FieldError } from '../errors';

const joinPath = (path: readonly PropertyKey[]) => path.map(String).join('.');

/**
 * `lines.0.quantity` style paths, the ones a client can map back onto its own request. An unknown or read-only
 * field gets an entry of its own, so the client sees which key to drop.
 */
export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: joinPath([...issue.path, key]), message: 'is not a field you can set here' }));
    }
    return [{ path: joinPath(issue.path) || '(body)', message: issue.message }];
  });
}

/** Parses input with a schema, or throws a 400 problem listing every field that is wrong. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw AppError.validation(toFieldErrors(result.error), `The ${what} is not valid.`);
  return result.data;
}
