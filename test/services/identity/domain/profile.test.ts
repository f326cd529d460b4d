import { describe, expect, it } from 'vitest';
import { NAME_MAX_CHARS, nameFromDirectory } from '../../../../services/identity/domain/profile';

describe('nameFromDirectory', () => {
  it('when the directory user has a name, then the profile starts with it', () => {
    expect(nameFromDirectory({ email: 'ann@example.com', name: ' Ann Lee ' })).toBe('Ann Lee');
  });

  it('when it has none, then the local part of its email', () => {
    expect(nameFromDirectory({ email: 'admin@example.com' })).toBe('admin');
  });

  it('when its name holds what a name may not (controls, a lone surrogate, U+FFFE, U+FFFF), then those are left out', () => {
    expect(nameFromDirectory({ email: 'x@example.com', name: 'A\u0000n\u0085n\uD800 \uFFFEL\uFFFFee\n' })).toBe('Ann Lee');
  });

  it('when nothing of it is left, then the email\'s local part, and else "user"', () => {
    expect(nameFromDirectory({ email: 'bo@example.com', name: '\uFFFF\u0001' })).toBe('bo');
    expect(nameFromDirectory({ email: '\uFFFE@example.com', name: '\uFFFF' })).toBe('user');
  });

  it('when it is longer than a name may be, then it is cut to the limit in characters, not UTF-16 units', () => {
    const name = nameFromDirectory({ email: 'x@example.com', name: '😀'.repeat(NAME_MAX_CHARS + 5) });
    expect([...name]).toHaveLength(NAME_MAX_CHARS);
  });
});
