import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import type { AppError } from '../../../../services/kit/errors';
import { MAX_ECHOED_KEY, MAX_FIELD_ERRORS, parseInput } from '../../../../services/kit/http/validate';

const schema = z.strictObject({ name: z.string() });
const rejection = (input: unknown) => {
  try {
    parseInput(schema, input);
  } catch (error) {
    return error as AppError;
  }
  throw new Error('parsed');
};

describe('parseInput', () => {
  it('when a few fields are wrong, then each is listed and the detail says nothing more', () => {
    const error = rejection({ name: 7, extra: 1 });
    expect(error.errors?.map((e) => e.path).sort()).toEqual(['extra', 'name']);
    expect(error.message).toBe('The request body is not valid.');
  });

  it('when a required field is left out, then its entry says it is required, not that undefined is the wrong type', () => {
    expect(rejection({}).errors).toEqual([{ path: 'name', message: 'is required' }]);
  });

  it('when a required field is null, then its entry still names the type it must be', () => {
    expect(rejection({ name: null }).errors).toEqual([{ path: 'name', message: 'Invalid input: expected string, received null' }]);
  });

  it('when a small body names 60,000 unknown keys, then the answer lists the first 20 and says how many there were', () => {
    const input = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 1]));
    const error = rejection({ name: 'x', ...input });
    expect(error.errors).toHaveLength(MAX_FIELD_ERRORS);
    expect(error.errors?.[0]).toEqual({ path: 'k0', message: 'is not a field you can set here' });
    expect(error.message).toBe(`The request body is not valid. The first ${MAX_FIELD_ERRORS} of its 60000 errors are listed.`);
  });

  it('when unknown keys are 50 KB long each, then each is echoed cut to its first characters, so the answer stays small', () => {
    const input = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${i}`.padEnd(50_000, 'k'), 1]));
    const error = rejection({ name: 'x', ...input });
    expect(error.errors).toHaveLength(20);
    for (const { path } of error.errors ?? []) expect(path).toMatch(new RegExp(`^\\d+k+…$`));
    expect(error.errors?.[0]?.path).toHaveLength(MAX_ECHOED_KEY + 1);
    expect(JSON.stringify(error.errors).length).toBeLessThan(3_000);
  });

  it('when a long key is cut where a surrogate pair sits, then the pair is kept whole or dropped whole, never split', () => {
    const key = `${'k'.repeat(MAX_ECHOED_KEY - 1)}🧾${'k'.repeat(10)}`;
    const path = rejection({ name: 'x', [key]: 1 }).errors?.[0]?.path ?? '';
    expect(path).toBe(`${'k'.repeat(MAX_ECHOED_KEY - 1)}…`);
    expect(path).not.toMatch(/\p{Cs}/u); // no lone surrogate
  });

  it('when a key is short, then it is echoed whole', () => {
    const key = 'k'.repeat(MAX_ECHOED_KEY);
    expect(rejection({ name: 'x', [key]: 1 }).errors?.[0]?.path).toBe(key);
  });
});
