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

  // Thai writes no spaces between words and marks their ends with U+200B; U+00AD marks where a word may break.
  it('when its name holds a zero width space between Thai words or a soft hyphen inside a word, then they are kept, and one at either end is left out', () => {
    const somchaiJaidee = '\u0E2A\u0E21\u0E0A\u0E32\u0E22\u200B\u0E43\u0E08\u0E14\u0E35';
    expect(nameFromDirectory({ email: 'x@example.com', name: somchaiJaidee })).toBe(somchaiJaidee);
    expect(nameFromDirectory({ email: 'x@example.com', name: 'Schnarren\u00ADberger' })).toBe('Schnarren\u00ADberger');
    expect(nameFromDirectory({ email: 'x@example.com', name: '\u200B Ann\u00AD \u200B' })).toBe('Ann');
    expect(nameFromDirectory({ email: 'bo@example.com', name: '\u200B\u00AD' })).toBe('bo');
  });

  it('when the cut to the limit ends on a zero width space, then that is left out too, as a name may not end with one', () => {
    const name = nameFromDirectory({ email: 'x@example.com', name: `${'\u0E01'.repeat(NAME_MAX_CHARS - 1)}\u200B\u0E02\u0E02` });
    expect(name).toBe('\u0E01'.repeat(NAME_MAX_CHARS - 1));
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
