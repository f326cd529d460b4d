/**
 * The user pool's password policy, checked before Cognito is called so a weak password costs no Cognito user
 * and reads the same offline (cognito-local does not enforce a policy) as in AWS. It mirrors Cognito's default,
 * which the CDK pool keeps. Should the pool's policy ever be stricter, Cognito's own InvalidPasswordException
 * still ends as the same 400 on `password`.
 */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

/** Cognito's symbol set for the "requires symbols" rule. */
const SYMBOL = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/;

export const PASSWORD_RULE =
  'at least 8 characters with an upper-case letter, a lower-case letter, a digit and a symbol, no leading or trailing space, and no control characters';

/** Why a password breaks the policy, or undefined when it meets it. */
export function passwordProblem(password: string): string | undefined {
  const meets =
    password.length >= PASSWORD_MIN &&
    password.length <= PASSWORD_MAX &&
    /[A-Z]/.test(password) &&
    /[a-z]/.test(password) &&
    /[0-9]/.test(password) &&
    SYMBOL.test(password) &&
    password.trim() === password &&
    // Nobody types one; refused as in every other text field the API takes (a lone surrogate is not text at all).
    !/[\p{Cc}\p{Cs}]/u.test(password);
  return meets ? undefined : PASSWORD_RULE;
}
