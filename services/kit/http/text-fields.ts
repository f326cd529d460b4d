/**
 * Text a client sends to be stored: no control characters. NUL would fail in PostgreSQL (text cannot hold it:
 * a 500), and the others (ESC, BEL, DEL, the C1 range, …) have no place in a name and only serve to garble logs
 * and terminals. Multi-line text (a description) keeps tabs and line breaks. A lone UTF-16 surrogate (JSON's
 * `"\ud800"`) is not text at all: PostgreSQL's jsonb refuses it (a 500 when the value goes into an event) and text
 * columns would store U+FFFD instead.
 *
 * Each checks the value as sent: chain a `.trim()` after it, not before, so a control character at either end is
 * refused too (the contract says so, and the OpenAPI pattern says so of the whole value), not silently cut off.
 */
import type { z } from 'zod';

const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_TABS_AND_LINE_BREAKS = /(?![\t\n\r])\p{Cc}/u;
/** With the u flag a surrogate pair is one code point, so this matches only a surrogate that is not in a pair. */
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * The noncharacters U+FFFE and U+FFFF: SQS takes only XML 1.0's characters in a message, and with controls and
 * surrogates these two are all it refuses (InvalidMessageContents). A sign-up name goes into
 * identity.user.registered on a raw-delivery subscription, so Billing's queue could never take that event, and the
 * account would never open. fauxqs takes them, so only AWS would show it.
 */
const NONCHARACTER = /[\uFFFE\uFFFF]/;
/**
 * Unicode's own line and paragraph separators: not control characters (Zl, Zp), yet a line break to a browser's
 * text, a terminal and JavaScript alike, so "one line" would hold only for ASCII's breaks. And `.trim()` removes
 * them silently at either end, where a `\n` is refused.
 */
const LINE_OR_PARAGRAPH_SEPARATOR = /[\u2028\u2029]/;
/**
 * Bidirectional embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069) change the order in which
 * the text around them is shown: "Invoice\u202Efdp.exe" reads "Invoiceexe.pdf", and one left open flips whatever a
 * page shows after the name. A name has no need of them: a page that shows mixed scripts isolates each value
 * itself (`<bdi>`, `dir="auto"`). The marks U+200E, U+200F and U+061C (LRM, RLM, ALM) stay: they are how
 * right-to-left text places a number or a Latin word, and, being marks, cannot reorder letters.
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
/**
 * Characters that show nothing and have no use in a name, so that "Wid\u200Bget" looks like "Widget" and is not:
 * the soft hyphen (U+00AD: nothing unless a line breaks there), the zero width space (U+200B), the word joiner and
 * invisible maths operators (U+2060–U+2064; U+2065 is reserved), the deprecated format controls (U+206A–U+206F),
 * the zero width no-break space or byte order mark (U+FEFF), the Hangul fillers (U+3164, U+FFA0: blank "letters"
 * no modern Korean uses) and the interlinear annotation controls (U+FFF9–U+FFFB: not for interchange; a renderer
 * that knows them shows a different text than one that does not).
 * Kept on purpose: U+200C and U+200D (ZWNJ, ZWJ), which Persian, Arabic and Indic spelling needs (Persian
 * "mi\u200Cxaham", "I want") and which joins emoji (the family: man, ZWJ, woman, ZWJ, girl); U+180E (Mongolian's
 * vowel separator, part of its spelling); the variation selectors (a red heart, the exact kanji of a Japanese name);
 * the tag characters that spell a flag such as Scotland's.
 * Since ZWNJ and ZWJ stay, this check cannot make look-alike names impossible; it refuses what is never needed.
 */
const INVISIBLE = /[\u00AD\u200B\u2060-\u2065\u206A-\u206F\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]/;

const wellFormed = <S extends z.ZodType<string>>(schema: S): S =>
  schema
    .refine((value) => !LONE_SURROGATE.test(value), 'must be valid Unicode text (it holds a lone surrogate)')
    .refine((value) => !NONCHARACTER.test(value), 'must not contain U+FFFE or U+FFFF, which are not characters') as S;

/**
 * A single-line text field (a name, an email, a key): no control character at all, no line or paragraph
 * separator, no bidirectional control and no invisible character. openapi.ts's SINGLE_LINE_TEXT pattern says
 * the same to clients; test/docs/openapi-text-patterns.test.ts holds the two together.
 */
export function singleLine<S extends z.ZodType<string>>(schema: S): S {
  return wellFormed(
    schema
      .refine((value) => !CONTROL.test(value), 'must not contain control characters')
      .refine((value) => !LINE_OR_PARAGRAPH_SEPARATOR.test(value), 'must be one line (no U+2028 or U+2029 separator)')
      .refine((value) => !BIDI_CONTROL.test(value), 'must not contain bidirectional controls (U+202A–U+202E, U+2066–U+2069), which reorder how it is shown')
      .refine((value) => !INVISIBLE.test(value), 'must not contain invisible characters (such as U+200B zero width space, U+2060 word joiner, U+FEFF or U+00AD soft hyphen)') as S,
  );
}

/**
 * A multi-line text field: tabs and line breaks, but no other control character. Bidirectional controls and
 * invisible characters stay allowed: prose in a right-to-left script embeds Latin words and numbers with them, and
 * a description names nothing that could be mistaken for another.
 */
export function multiLine<S extends z.ZodType<string>>(schema: S): S {
  return wellFormed(
    schema.refine((value) => !CONTROL_BUT_TABS_AND_LINE_BREAKS.test(value), 'must not contain control characters other than tabs and line breaks') as S,
  );
}
