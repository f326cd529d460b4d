/**
 * JSON Schema patterns for the text-fields.ts rules, for the OpenAPI documents only: the zod refinements that enforce
 * the rules have no JSON Schema form, and test/docs/openapi-text-patterns.test.ts holds each pattern to its
 * refinements. Spread into a field's `.meta()`. No `\p{…}` classes, which not every validator reads: `\p{Cc}` is
 * U+0000–U+001F and U+007F–U+009F; with the `u` flag JSON Schema validators use, U+D800–U+DFFF in a class matches
 * only a surrogate that is not in a pair.
 */

/**
 * What a single line refuses wherever it stands: no control, lone surrogate, U+FFFE/U+FFFF, U+2028/U+2029,
 * bidirectional control (U+202A–U+202E, U+2066–U+2069) or invisible character (U+2060–U+2065, U+206A–U+206F,
 * U+3164, U+FEFF, U+FFA0, U+FFF9–U+FFFB); U+200C/U+200D and U+200E/U+200F stay.
 */
const REFUSED_IN_ONE_LINE = '\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2060-\\u206F\\u3164\\uD800-\\uDFFF\\uFEFF\\uFFA0\\uFFF9-\\uFFFB\\uFFFE\\uFFFF';
/** The soft hyphen and the zero width space (kit/text.ts's BREAK_HINT). */
const BREAK_HINTS = '\\u00AD\\u200B';
/** The spaces `.trim()` cuts that a single line does not refuse anyway (tabs, line breaks and U+FEFF it does). */
const TRIMMED_SPACE = '\\u0020\\u00A0\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000';

/** A key or an email (singleLine): the break hints refused too, anywhere. */
export const SINGLE_LINE_TEXT = { pattern: `^[^${REFUSED_IN_ONE_LINE}${BREAK_HINTS}]*$` } as const;

/** A character a name may begin and end with, spaces aside: neither refused, nor a space, nor a break hint. */
const NAME_END = `[^${REFUSED_IN_ONE_LINE}${TRIMMED_SPACE}${BREAK_HINTS}]`;
/** A name (singleLineName): the break hints between other characters, not at either end, spaces aside. */
export const NAME_TEXT = {
  pattern: `^[${TRIMMED_SPACE}]*(?:${NAME_END}(?:[^${REFUSED_IN_ONE_LINE}]*${NAME_END})?[${TRIMMED_SPACE}]*)?$`,
} as const;

/** A multi-line text (multiLine): controls but tabs and line breaks, lone surrogates, U+FFFE and U+FFFF. */
export const MULTI_LINE_TEXT = { pattern: '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF\\uFFFE\\uFFFF]*$' } as const;
