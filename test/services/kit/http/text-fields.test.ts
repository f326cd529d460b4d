import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { multiLine, singleLine } from '../../../../services/kit/http/text-fields';

const name = singleLine(z.string());
const description = multiLine(z.string());
const issues = (schema: z.ZodType, value: string) => {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
};

describe('text fields', () => {
  it.each(['Ada', 'Ünïcödé ✓', 'emoji 🧾 (a surrogate pair)', ''])('when the text is %j, then both kinds accept it', (text) => {
    expect(issues(name, text)).toEqual([]);
    expect(issues(description, text)).toEqual([]);
  });

  it.each(['a\ud800b', 'a\udc00', '\udfff', 'pair reversed \udc00\ud800'])('when the text holds a lone surrogate (%j), then both kinds refuse it as not Unicode text', (text) => {
    expect(issues(name, text)).toContain('must be valid Unicode text (it holds a lone surrogate)');
    expect(issues(description, text)).toContain('must be valid Unicode text (it holds a lone surrogate)');
  });

  // SQS takes only XML 1.0's characters; with controls and surrogates, these two are all it refuses. A sign-up name
  // goes into identity.user.registered on a raw-delivery subscription, so Billing's queue could never take it.
  it.each(['a\uffffb', '\ufffe'])('when the text holds the noncharacter U+FFFE or U+FFFF (%j), then both kinds refuse it, as no queue can carry it', (text) => {
    expect(issues(name, text)).toEqual(['must not contain U+FFFE or U+FFFF, which are not characters']);
    expect(issues(description, text)).toEqual(['must not contain U+FFFE or U+FFFF, which are not characters']);
  });

  it('when the text holds a control character, then a single line refuses it, and a multi-line text only if it is not a tab or line break', () => {
    expect(issues(name, 'a\u0000b')).toEqual(['must not contain control characters']);
    expect(issues(name, 'a\nb')).toEqual(['must not contain control characters']);
    expect(issues(description, 'a\n\tb\r\n')).toEqual([]);
    expect(issues(description, 'a\u001bb')).toEqual(['must not contain control characters other than tabs and line breaks']);
  });

  it.each(['a\u2028b', 'a\u2029b', 'Ann\u2028'])('when the text holds Unicode\'s line or paragraph separator (%j), then a single line refuses it, even at the end, where a trim would drop it, and a multi-line text keeps it', (text) => {
    expect(issues(singleLine(z.string()).trim(), text)).toEqual(['must be one line (no U+2028 or U+2029 separator)']);
    expect(issues(description, text)).toEqual([]);
  });

  // "Invoice\u202Efdp.exe" is shown as "Invoiceexe.pdf"; an embedding or isolate left open reorders what follows.
  it.each([
    ['a right-to-left override (U+202E)', 'Invoice\u202Efdp.exe'],
    ['a left-to-right override (U+202D)', 'a\u202Db'],
    ['a left-to-right embedding (U+202A)', 'a\u202Ab'],
    ['a right-to-left embedding (U+202B)', 'a\u202Bb'],
    ['a pop directional formatting (U+202C)', 'a\u202Cb'],
    ['a left-to-right isolate (U+2066)', '\u2066abc'],
    ['a right-to-left isolate (U+2067)', 'a\u2067b'],
    ['a first strong isolate (U+2068)', 'a\u2068b'],
    ['a pop directional isolate at the end, where a trim would not drop it (U+2069)', 'Ann\u2069'],
  ])('when the text holds %s, then a single line refuses it as a bidirectional control, and a multi-line text keeps it', (_what, text) => {
    expect(issues(singleLine(z.string()).trim(), text)).toEqual(['must not contain bidirectional controls (U+202A–U+202E, U+2066–U+2069), which reorder how it is shown']);
    expect(issues(description, text)).toEqual([]);
  });

  it.each([
    ['a soft hyphen (U+00AD)', 'Wid\u00ADget'],
    ['a zero width space (U+200B)', 'Wid\u200Bget'],
    ['a word joiner (U+2060)', 'Wid\u2060get'],
    ['an invisible plus (U+2064)', 'a\u2064b'],
    ['the reserved U+2065', 'a\u2065b'],
    ['a deprecated format control (U+206A)', 'a\u206Ab'],
    ['a deprecated format control (U+206F)', 'a\u206Fb'],
    ['a Hangul filler (U+3164)', '\u3164'],
    ['a halfwidth Hangul filler (U+FFA0)', 'a\uFFA0b'],
    ['a byte order mark at the start, where a trim would drop it (U+FEFF)', '\uFEFFWidget'],
    ['an interlinear annotation (U+FFF9–U+FFFB)', 'a\uFFF9b\uFFFAc\uFFFB'],
  ])('when the text holds %s, then a single line refuses it as invisible, and a multi-line text keeps it', (_what, text) => {
    expect(issues(singleLine(z.string()).trim(), text)).toEqual(['must not contain invisible characters (such as U+200B zero width space, U+2060 word joiner, U+FEFF or U+00AD soft hyphen)']);
    expect(issues(description, text)).toEqual([]);
  });

  // Each kept text next to the same text with a refused neighbour in its place: the line runs between them.
  it.each([
    ['a family emoji, joined by ZWJ (U+200D)', '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}', '\u{1F468}\u200B\u{1F469}\u200B\u{1F467}'],
    ['Persian with a ZWNJ (U+200C): "I want"', '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645', '\u0645\u06CC\u2060\u062E\u0648\u0627\u0647\u0645'],
    ['Hindi with a ZWJ (U+200D) after a virama', '\u0915\u094D\u200D\u0937', '\u0915\u094D\uFEFF\u0937'],
    ['Hebrew with a right-to-left mark (U+200F) after a number', '\u05DE\u05D5\u05E6\u05E8 42\u200F', '\u05DE\u05D5\u05E6\u05E8 42\u202B'],
    ['a left-to-right mark (U+200E) and an Arabic letter mark (U+061C)', 'Widget\u200E \u0627\u061C', 'Widget\u202D \u0627\u2067'],
    ['a Mongolian vowel separator (U+180E)', '\u182C\u1820\u1837\u180E\u1820', '\u182C\u1820\u1837\u200B\u1820'],
    ['a red heart with its emoji variation selector (U+FE0F)', '\u2764\uFE0F', '\u2764\u2063'],
    ['the flag of Scotland (tag characters)', '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}', '\u{1F3F4}\u00AD'],
  ])('when the text holds %s, then a single line keeps it, as its script or emoji needs it, and refuses the same text with an invisible or bidirectional control in its place', (_what, kept, refused) => {
    const trimmed = singleLine(z.string()).trim();
    expect(issues(trimmed, kept)).toEqual([]);
    expect(issues(trimmed, refused)).toHaveLength(1);
  });

  it('when a trim is chained after the check, then a control character at either end is still refused, and plain spaces are trimmed', () => {
    const trimmed = singleLine(z.string()).trim().min(1);
    for (const text of ['Ann\n', '\tAnn', '\r\nAnn\u0000']) expect(issues(trimmed, text)).toEqual(['must not contain control characters']);
    expect(trimmed.parse('  Ann  ')).toBe('Ann');
  });
});
