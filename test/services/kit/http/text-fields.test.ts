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

  it('when a trim is chained after the check, then a control character at either end is still refused, and plain spaces are trimmed', () => {
    const trimmed = singleLine(z.string()).trim().min(1);
    for (const text of ['Ann\n', '\tAnn', '\r\nAnn\u0000']) expect(issues(trimmed, text)).toEqual(['must not contain control characters']);
    expect(trimmed.parse('  Ann  ')).toBe('Ann');
  });
});
