/** The documents' patterns for text fields accept exactly what the services' refinements accept (text-fields.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MULTI_LINE_TEXT, NAME_TEXT, SINGLE_LINE_TEXT } from '../../services/kit/http/text-patterns';
import { multiLine, singleLine, singleLineName } from '../../services/kit/http/text-fields';

// JSON Schema validators (Ajv, as in Prism) compile patterns with the `u` flag.
const cases = [
  ['single-line', new RegExp(SINGLE_LINE_TEXT.pattern, 'u'), singleLine(z.string())],
  ['name', new RegExp(NAME_TEXT.pattern, 'u'), singleLineName(z.string())],
  ['multi-line', new RegExp(MULTI_LINE_TEXT.pattern, 'u'), multiLine(z.string())],
] as const;

/** Text mixing ordinary characters with every kind of control character, tabs and line breaks included (Unicode's U+2028 and U+2029 too), lone surrogates, U+FFFE/U+FFFF, bidirectional controls and marks, invisible characters and the joiners, and the spaces a trim cuts (which decide where a name's ends are). */
const text = fc.string({
  unit: fc.oneof(fc.constantFrom('\t', '\n', '\r', '\u0000', '\u001b', '\u007f', '\u0085', '\u009f', '\u00a0', '\u2028', '\u2029', ' ', '\u1680', '\u2000', '\u200a', '\u202f', '\u205f', '\u3000', '\u00ad', '\u061c', '\u180e', '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u202a', '\u202e', '\u2060', '\u2064', '\u2065', '\u2066', '\u2069', '\u206a', '\u206f', '\u3164', '\ufe0f', '\ufeff', '\uffa0', '\ufff9', '\ufffb', 'é', '😀', '\ud800', '\udc00', '\udbff', '\ufffd', '\ufffe', '\uffff'), fc.integer({ min: 0, max: 0x2ff }).map((c) => String.fromCodePoint(c))),
});

/** Spaces and break hints (and a joiner, a tab) around such text: where a name's ends are, which text alone seldom meets. */
const fringe = fc.string({ unit: fc.constantFrom(' ', '\t', '\u00a0', '\u1680', '\u2000', '\u200a', '\u202f', '\u205f', '\u3000', '\u00ad', '\u200b', '\u200c'), maxLength: 3 });
const anyText = fc.oneof(text, fc.tuple(fringe, text, fringe).map((parts) => parts.join('')));

describe('the text patterns of the OpenAPI documents', () => {
  it.each(cases)('when any text is checked by the %s pattern and by the service, then both give the same verdict', (_name, pattern, schema) => {
    fc.assert(fc.property(anyText, (value) => pattern.test(value) === schema.safeParse(value).success), { numRuns: 2_000 });
    expect(pattern.test('plain')).toBe(true);
    expect(pattern.test('a\u0000b')).toBe(false);
    expect(pattern.test('a\ud800b')).toBe(false);
    expect(pattern.test('a\uffffb')).toBe(false);
    expect(pattern.test('😀')).toBe(true);
  });

  it('when the single-line pattern meets a bidirectional control or an invisible character, then it refuses it, as the service does, and keeps the joiners and marks', () => {
    const pattern = new RegExp(SINGLE_LINE_TEXT.pattern, 'u');
    for (const text of ['Invoice\u202Efdp.exe', 'a\u2066b', 'Wid\u200Bget', '\uFEFFWidget', 'Wid\u00ADget']) expect(pattern.test(text)).toBe(false);
    for (const text of ['\u{1F468}\u200D\u{1F469}\u200D\u{1F467}', '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645', '42\u200F', 'a\u200Eb']) expect(pattern.test(text)).toBe(true);
  });

  it('when the name pattern meets a zero width space or soft hyphen, then it keeps one between letters, as Thai and long words need, and refuses one at either end, spaces aside', () => {
    const pattern = new RegExp(NAME_TEXT.pattern, 'u');
    for (const text of ['\u0E2A\u0E21\u0E0A\u0E32\u0E22\u200B\u0E43\u0E08\u0E14\u0E35', 'Donau\u00ADdampf\u00ADschiff', '  Ann \u200B Lee  ', '']) expect(pattern.test(text)).toBe(true);
    for (const text of ['\u200BAnn', 'Ann\u00AD', 'Ann\u200B  ', '\u3000\u00ADAnn', '\u200B', 'Wid\u2060get', 'Invoice\u202Efdp.exe']) expect(pattern.test(text)).toBe(false);
  });
});
