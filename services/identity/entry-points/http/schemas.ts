/** Wire shapes of the Identity API; the routes validate with them and the OpenAPI document is built from them. */
import { z } from 'zod';
import { exactIntegerSchema } from '../../../kit/http/exact-integer';
import { singleLine, singleLineName } from '../../../kit/http/text-fields';
import { NAME_TEXT } from '../../../kit/http/text-patterns';
import { PASSWORD_MAX, PASSWORD_MIN, passwordProblem } from '../../domain/password-policy';
import { EMAIL_MAX_CHARS, NAME_MAX_CHARS } from '../../domain/profile';

/** Trimmed and lower-cased before the format check, so `  Ann@Example.COM ` is `ann@example.com`; a control, bidirectional or invisible character anywhere is refused. */
export const email = singleLine(z.string())
  .trim()
  .toLowerCase()
  .max(EMAIL_MAX_CHARS)
  .pipe(z.email())
  .meta({ description: 'No control, bidirectional or invisible character anywhere; trimmed and lower-cased before use', example: 'ann@example.com' });

/** Counted in characters (code points), not UTF-16 units, so 200 emoji are as fine as 200 letters. */
export const name = singleLineName(z.string())
  .trim()
  .min(1)
  .refine((value) => [...value].length <= NAME_MAX_CHARS, `at most ${NAME_MAX_CHARS} characters`)
  .meta({ description: `One line, without bidirectional controls or invisible characters, but for a zero width space or soft hyphen between letters (see the pattern); trimmed; 1 to ${NAME_MAX_CHARS} characters, stored as given`, maxLength: NAME_MAX_CHARS, ...NAME_TEXT });

const newPassword = z
  .string()
  .superRefine((value, context) => {
    const problem = passwordProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  })
  .meta({
    description: `${PASSWORD_MIN} to ${PASSWORD_MAX} characters: upper- and lower-case letters, a digit and a symbol`,
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX,
  });

/** Sign-in does not re-check the policy: a policy change must not lock out existing passwords. */
const anyPassword = z.string().min(1).max(PASSWORD_MAX);

/**
 * Sign-in does not re-check the format either: a user made in the directory (the console, an import) may hold an
 * address Cognito takes and z.email() refuses (`x!y@example.com`), and must still sign in. Cut, cased and refused
 * characters as at signup, so the same user is found under the same spelling.
 */
const signInEmail = singleLine(z.string())
  .trim()
  .toLowerCase()
  .max(EMAIL_MAX_CHARS)
  .refine((value) => /^[^@]+@[^@]+$/.test(value), 'an email address: one @ between a name and a domain')
  .meta({ description: 'The email signed up with, or the one the user pool holds: one @, no control, bidirectional or invisible character; trimmed and lower-cased before use', example: 'ann@example.com' });

export const signupBody = z.strictObject({ email, password: newPassword, name });
export const tokenBody = z.strictObject({ email: signInEmail, password: anyPassword });
export const refreshBody = z.strictObject({ refreshToken: z.string().min(1).max(16_384) });
export const updateMeBody = z.strictObject({ name });

export const signupResponse = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  createdAt: z.iso.datetime(),
});

export const tokenResponse = z.object({
  accessToken: z.string().meta({ description: 'Send as `Authorization: Bearer …` to user routes' }),
  idToken: z.string().meta({ description: 'For the client to read; never accepted as a bearer token' }),
  refreshToken: z.string().optional().meta({ description: 'Absent on refresh: keep the one from sign-in' }),
  expiresIn: z.number().int().meta({ description: 'Seconds until the access token expires' }),
  tokenType: z.literal('Bearer'),
});

export const meResponse = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  groups: z.array(z.string()),
  createdAt: z.iso.datetime(),
  paidInvoiceCount: z.number().int(),
  lifetimeSpendCents: exactIntegerSchema.meta({
    description: 'Paid invoices in USD, in cents: a JSON number up to 2^53 − 1, beyond it the exact digits as a string',
  }),
});
