import { describe, expect, it } from 'vitest';
import { passwordProblem } from '../../../../services/identity/domain/password-policy';

describe('passwordProblem', () => {
  it.each(['Passw0rd!', 'Aa1 aaaa', 'ÄÖü-9aBcd', `A1!${'a'.repeat(253)}`])('when the password is %j, then it meets the policy', (password) => {
    expect(passwordProblem(password)).toBeUndefined();
  });

  it.each([
    ['7 characters', 'Pa0rd!x'],
    ['no upper case', 'passw0rd!'],
    ['no lower case', 'PASSW0RD!'],
    ['no digit', 'Password!'],
    ['no symbol', 'Passw0rdx'],
    ['a trailing space', 'Passw0rd! '],
    ['257 characters', `A1!${'a'.repeat(254)}`],
  ])('when the password has %s, then it names the rule', (_what, password) => {
    expect(passwordProblem(password)).toMatch(/at least 8 characters/);
  });
});
