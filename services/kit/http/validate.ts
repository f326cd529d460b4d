import type { z } from 'zod';
import { AppError, type FieldError } from '../errors';
import { missingBody } from './error-handler';
import { requireReadableBody } from './unreadable-body';

/** Longest field name echoed back whole; a longer one (any key a client may send) is cut, with an ellipsis. */
export const MAX_ECHOED_KEY = 64;

/** Cut at a code point, never inside a surrogate pair. */
function shorten(key: string): string {
  if (key.length <= MAX_ECHOED_KEY) return key;
  const cut = /[\ud800-\udbff]/.test(key[MAX_ECHOED_KEY - 1]!) ? MAX_ECHOED_KEY - 1 : MAX_ECHOED_KEY;
  return `${key.slice(0, cut)}…`;
}

/** Each name is the client's own: twenty unknown keys of 50 KB each were echoed into a 1 MB answer. */
const joinPath = (path: readonly PropertyKey[]) => path.map((key) => shorten(String(key))).join('.');

/**
 * Errors listed in one answer. Past this the client has enough to go on, and the answer stays small: a 130 KB
 * body of 60,000 unknown keys was answered with 60,000 entries (3.7 MB), an amplifier for anyone.
 */
export const MAX_FIELD_ERRORS = 20;

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

/** The 400 problem for a failed parse, listing the first MAX_FIELD_ERRORS errors. */
export function validationProblem(error: z.ZodError, detail = 'The request is not valid.'): AppError {
  const errors = toFieldErrors(error);
  const more = errors.length > MAX_FIELD_ERRORS ? ` The first ${MAX_FIELD_ERRORS} of its ${errors.length} errors are listed.` : '';
  return AppError.validation(errors.slice(0, MAX_FIELD_ERRORS), `${detail}${more}`);
}

/**
 * A required field left out is said to be required, not "Invalid input: expected string, received undefined", a
 * type the client never wrote. Only where the schema has no message of its own (undefined passes the issue on).
 */
const requiredField = (issue: { code?: string; input?: unknown }) => (issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined);

/**
 * Parses input with a schema, or throws a 400 problem listing what is wrong. Only a body can be absent (a query
 * string is always an object): a route that takes no body passes `req.body ?? {}`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request body'): z.infer<S> {
  requireReadableBody(input);
  if (input === undefined) throw missingBody();
  const result = schema.safeParse(input, { error: requiredField });
  if (!result.success) throw validationProblem(result.error, `The ${what} is not valid.`);
  return result.data;
}
