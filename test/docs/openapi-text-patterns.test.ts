/** The documents' patterns for text fields accept exactly what the services' refinements accept (text-fields.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MULTI_LINE_TEXT, SINGLE_LINE_TEXT } from '../../services/kit/http/openapi';
import { multiLine, singleLine } from '../../services/kit/http/text-fields';

// JSON Schema validators (Ajv, as in Prism) compile patterns with the `u` flag.
const cases = [
  ['single-line', new RegExp(SINGLE_LINE_TEXT.pattern, 'u'), singleLine(z.string())],
  ['multi-line', new RegExp(MULTI_LINE_TEXT.pattern, 'u'), multiLine(z.string())],
] as const;

/** Text mixing ordinary characters with every kind of control character, tabs and line breaks included (Unicode's U+2028 and U+2029 too), lone surrogates and U+FFFE/U+FFFF. */
const text = fc.string({
  unit: fc.oneof(fc.constantFrom('\t', '\n', '\r', '\u0000', '\u001b', '\u007f', '\u0085', '\u009f', '\u00a0', '\u2028', '\u2029', 'é', '😀', '\ud800', '\udc00', '\udbff', '\ufffd', '\ufffe', '\uffff'), fc.integer({ min: 0, max: 0x2ff }).map((c) => String.fromCodePoint(c))),
});

describe('the text patterns of the OpenAPI documents', () => {
  it.each(cases)('when any text is checked by the %s pattern and by the service, then both give the same verdict', (_name, pattern, schema) => {
    fc.assert(fc.property(text, (value) => pattern.test(value) === schema.safeParse(value).success), { numRuns: 2_000 });
    expect(pattern.test('plain')).toBe(true);
    expect(pattern.test('a\u0000b')).toBe(false);
    expect(pattern.test('a\ud800b')).toBe(false);
    expect(pattern.test('a\uffffb')).toBe(false);
    expect(pattern.test('😀')).toBe(true);
  });
});
