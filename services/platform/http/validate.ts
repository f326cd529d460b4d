import type { z } from 'zod';
import { AppError, type FieldError } from '../errors';

/** `lines.0.quantity` style paths, the ones a client can map back onto its own request. */
export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
}

/** Parses input with a schema, or throws a 400 problem listing every field that is wrong. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw AppError.validation(toFieldErrors(result.error), `The ${what} is not valid.`);
  return result.data;
}
