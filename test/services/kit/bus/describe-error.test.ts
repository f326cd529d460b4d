import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DESCRIPTION_MAX, describeError } from '../../../../services/kit/bus/describe-error';

describe('describeError', () => {
  it('when drizzle wraps a failed statement, then the line names the database\'s reason and code, and not the parameters', () => {
    const server = Object.assign(new Error('canceling statement due to statement timeout'), { name: 'error', code: '57014' });
    const wrapped = new Error('Failed query: insert into "accounts" ("email") values ($1)\nparams: ann@example.com', { cause: server });
    const line = describeError(wrapped);
    expect(line).toBe('Error: Failed query: insert into "accounts" ("email") values ($1); caused by error 57014: canceling statement due to statement timeout');
    expect(line).not.toContain('ann@example.com');
  });

  it('when a schema finds thousands of issues, then the first ten are listed and the line stays short', () => {
    const many = z.array(z.string()).safeParse(Array.from({ length: 5_000 }, (_, i) => i));
    const line = describeError(many.error);
    expect(line).toMatch(/^ZodError: 0: .*; 9: [^;]*; and 4990 more$/);
    expect(line.length).toBeLessThanOrEqual(DESCRIPTION_MAX);
  });

  it('when a message is huge or spans lines, then it is cut to one line of at most DESCRIPTION_MAX characters', () => {
    const line = describeError(new Error(`first\nsecond ${'x'.repeat(100_000)}`));
    expect(line.startsWith('Error: first second xxx')).toBe(true);
    expect(line.length).toBe(DESCRIPTION_MAX);
  });

  it('when the thrown value is no error, then it is its text', () => {
    expect(describeError('plain')).toBe('plain');
  });

  it('when the thrown value cannot be made text (no prototype, a throwing getter), then it is still described, not thrown on', () => {
    expect(describeError(Object.assign(Object.create(null) as object, { code: 'E1' }))).toBe("unprintable [Object: null prototype] { code: 'E1' }");
    const getter = Object.defineProperty(new Error('outer'), 'cause', { get: () => { throw new Error('no cause for you'); } });
    expect(describeError(getter)).toMatch(/^unprintable Error: outer/);
  });
});
