import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { multiLine, singleLine, singleLineName } from '../../../../services/kit/http/text-fields';

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
    ['a family emoji, joined by ZWJ (U+200D)', '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}', '\u{1F468}\u2060\u{1F469}\u2060\u{1F467}'],
    ['Persian with a ZWNJ (U+200C): "I want"', '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645', '\u0645\u06CC\u2060\u062E\u0648\u0627\u0647\u0645'],
    ['Hindi with a ZWJ (U+200D) after a virama', '\u0915\u094D\u200D\u0937', '\u0915\u094D\uFEFF\u0937'],
    ['Hebrew with a right-to-left mark (U+200F) after a number', '\u05DE\u05D5\u05E6\u05E8 42\u200F', '\u05DE\u05D5\u05E6\u05E8 42\u202B'],
    ['a left-to-right mark (U+200E) and an Arabic letter mark (U+061C)', 'Widget\u200E \u0627\u061C', 'Widget\u202D \u0627\u2067'],
    ['a Mongolian vowel separator (U+180E)', '\u182C\u1820\u1837\u180E\u1820', '\u182C\u1820\u1837\u2060\u1820'],
    ['a red heart with its emoji variation selector (U+FE0F)', '\u2764\uFE0F', '\u2764\u2063'],
    ['the flag of Scotland (tag characters)', '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}', '\u{1F3F4}\u00AD'],
  ])('when the text holds %s, then a single line and a name keep it, as its script or emoji needs it, and refuse the same text with an invisible or bidirectional control in its place', (_what, kept, refused) => {
    for (const trimmed of [singleLine(z.string()).trim(), singleLineName(z.string()).trim()]) {
      expect(issues(trimmed, kept)).toEqual([]);
      expect(issues(trimmed, refused)).toHaveLength(1);
    }
  });

  it('when a trim is chained after the check, then a control character at either end is still refused, and plain spaces are trimmed', () => {
    const trimmed = singleLine(z.string()).trim().min(1);
    for (const text of ['Ann\n', '\tAnn', '\r\nAnn\u0000']) expect(issues(trimmed, text)).toEqual(['must not contain control characters']);
    expect(trimmed.parse('  Ann  ')).toBe('Ann');
  });
});

describe('name fields', () => {
  const aName = singleLineName(z.string()).trim().min(1);
  const atAnEnd = 'must not begin or end with a zero width space (U+200B) or soft hyphen (U+00AD): they belong between letters';

  // Thai, Khmer, Lao and Burmese put no spaces between words: U+200B marks where one ends. U+00AD marks where a
  // long word may be hyphenated. Neither shows, and both are what the text is made of when pasted from a document.
  it.each([
    ['a Thai shop name, "good coffee shop", its words parted by U+200B', '\u0E23\u0E49\u0E32\u0E19\u200B\u0E01\u0E32\u0E41\u0E1F\u200B\u0E14\u0E35'],
    ['a Thai full name, Somchai Jaidee, parted by U+200B', '\u0E2A\u0E21\u0E0A\u0E32\u0E22\u200B\u0E43\u0E08\u0E14\u0E35'],
    ['Khmer, "Kingdom of Cambodia", parted by U+200B', '\u1796\u17D2\u179A\u17C7\u179A\u17B6\u1787\u17B6\u178E\u17B6\u1785\u1780\u17D2\u179A\u200B\u1780\u1798\u17D2\u1796\u17BB\u1787\u17B6'],
    ['Burmese, "Myanmar", parted by U+200B', '\u1019\u103C\u1014\u103A\u1019\u102C\u200B\u1014\u102D\u102F\u1004\u103A\u1004\u1036'],
    ['a German surname with its hyphenation points (U+00AD)', 'Sabine Leutheusser-Schnarren\u00ADberger'],
    ['a long German word with its hyphenation points (U+00AD)', 'Donau\u00ADdampf\u00ADschiff\u00ADfahrts\u00ADgesellschaft'],
  ])('when a name is %s, then it is kept as sent, while a key or email still refuses the hint', (_what, text) => {
    expect(aName.parse(text)).toBe(text);
    expect(issues(singleLine(z.string()), text)).toEqual(['must not contain invisible characters (such as U+200B zero width space, U+2060 word joiner, U+FEFF or U+00AD soft hyphen)']);
  });

  // At an end a hint breaks nothing: "Ann\u200B" only looks like "Ann" and is not; "\u200B" alone shows nothing.
  it.each([
    ['starts with a zero width space', '\u200BAnn'],
    ['ends with a soft hyphen', 'Ann\u00AD'],
    ['ends with a zero width space before spaces the trim cuts', 'Ann\u200B  '],
    ['starts with an ideographic space and a soft hyphen', '\u3000\u00ADAnn'],
    ['is nothing but a zero width space', '\u200B'],
  ])('when a name %s, then it is refused, not trimmed into another name', (_what, text) => {
    expect(issues(aName, text)).toEqual([atAnEnd]);
  });

  it.each([
    ['a word joiner (U+2060)', 'Wid\u2060get', 'must not contain invisible characters (such as U+2060 word joiner or U+FEFF)'],
    ['a byte order mark (U+FEFF)', '\uFEFFWidget', 'must not contain invisible characters (such as U+2060 word joiner or U+FEFF)'],
    ['a Hangul filler (U+3164) between letters', 'A\u3164B', 'must not contain invisible characters (such as U+2060 word joiner or U+FEFF)'],
  ])('when a name holds %s, then it is still refused anywhere, and told apart from the break hints it may hold', (_what, text, message) => {
    expect(issues(aName, text)).toEqual([message]);
  });
});
