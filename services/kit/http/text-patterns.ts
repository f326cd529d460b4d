/**
 * JSON Schema patterns for the text-fields.ts rules (no `\p{Cc}`: U+0000–U+001F and U+007F–U+009F; no lone
 * surrogate: with the `u` flag JSON Schema validators use, U+D800–U+DFFF in a class matches only a surrogate that is
 * not in a pair; no U+FFFE or U+FFFF; in a single line, no U+2028 or U+2029 either, no bidirectional control
 * (U+202A–U+202E, U+2066–U+2069) and no invisible character (U+00AD, U+200B, U+2060–U+2065, U+206A–U+206F, U+3164,
 * U+FEFF, U+FFA0, U+FFF9–U+FFFB); U+200C/U+200D and U+200E/U+200F stay), for documents only: the zod refinements
 * that enforce them have no JSON Schema form. Spread into a field's `.meta()`.
 */
export const SINGLE_LINE_TEXT = {
  pattern: '^[^\\u0000-\\u001F\\u007F-\\u009F\\u00AD\\u200B\\u2028\\u2029\\u202A-\\u202E\\u2060-\\u206F\\u3164\\uD800-\\uDFFF\\uFEFF\\uFFA0\\uFFF9-\\uFFFB\\uFFFE\\uFFFF]*$',
} as const;
export const MULTI_LINE_TEXT = { pattern: '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF\\uFFFE\\uFFFF]*$' } as const;
