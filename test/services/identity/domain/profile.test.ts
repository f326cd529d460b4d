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

  // A client could not send these in a name (kit/text.ts); a directory's name must not bring them in either.
  it('when its name holds a line separator, a bidirectional control or an invisible character, then those are left out, and the joiners and marks a script needs are kept', () => {
    expect(nameFromDirectory({ email: 'x@example.com', name: '\u202EAnn\u2028 \u2066Lee\u2069\u200B\uFEFF' })).toBe('Ann Lee');
    const kept = '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645 \u{1F468}\u200D\u{1F469} \u05E9\u200F';
    expect(nameFromDirectory({ email: 'x@example.com', name: kept })).toBe(kept);
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
