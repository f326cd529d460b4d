/**
 * The characters text fields refuse (kit/http/text-fields.ts checks a client's text with them), here free of HTTP
 * and zod so that a domain can hold text from elsewhere to the same rules.
 */
export const CONTROL = /\p{Cc}/u;
export const CONTROL_BUT_TABS_AND_LINE_BREAKS = /(?![\t\n\r])\p{Cc}/u;
/** With the u flag a surrogate pair is one code point, so this matches only a surrogate that is not in a pair. */
export const LONE_SURROGATE = /\p{Cs}/u;
/**
 * The noncharacters U+FFFE and U+FFFF: SQS takes only XML 1.0's characters in a message, and with controls and
 * surrogates these two are all it refuses (InvalidMessageContents). A sign-up name goes into
 * identity.user.registered on a raw-delivery subscription, so Billing's queue could never take that event, and the
 * account would never open. fauxqs takes them, so only AWS would show it.
 */
export const NONCHARACTER = /[\uFFFE\uFFFF]/;
/**
 * Unicode's own line and paragraph separators: not control characters (Zl, Zp), yet a line break to a browser's
 * text, a terminal and JavaScript alike, so "one line" would hold only for ASCII's breaks. And `.trim()` removes
 * them silently at either end, where a `\n` is refused.
 */
export const LINE_OR_PARAGRAPH_SEPARATOR = /[\u2028\u2029]/;
/**
 * Bidirectional embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069) change the order in which
 * the text around them is shown: "Invoice\u202Efdp.exe" reads "Invoiceexe.pdf", and one left open flips whatever a
 * page shows after the name. A name has no need of them: a page that shows mixed scripts isolates each value
 * itself (`<bdi>`, `dir="auto"`). The marks U+200E, U+200F and U+061C (LRM, RLM, ALM) stay: they are how
 * right-to-left text places a number or a Latin word, and, being marks, cannot reorder letters.
 */
export const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
/**
 * Characters that show nothing and have no use in a name, so that "Wid\u2060get" looks like "Widget" and is not:
 * the word joiner and invisible maths operators (U+2060–U+2064; U+2065 is reserved), the deprecated format controls
 * (U+206A–U+206F), the zero width no-break space or byte order mark (U+FEFF), the Hangul fillers (U+3164, U+FFA0:
 * blank "letters" no modern Korean uses) and the interlinear annotation controls (U+FFF9–U+FFFB: not for
 * interchange; a renderer that knows them shows a different text than one that does not).
 * Kept on purpose: U+200C and U+200D (ZWNJ, ZWJ), which Persian, Arabic and Indic spelling needs (Persian
 * "mi\u200Cxaham", "I want") and which joins emoji (the family: man, ZWJ, woman, ZWJ, girl); U+180E (Mongolian's
 * vowel separator, part of its spelling); the variation selectors (a red heart, the exact kanji of a Japanese name);
 * the tag characters that spell a flag such as Scotland's; and, in a name, the break hints below.
 * Since ZWNJ and ZWJ stay, this check cannot make look-alike names impossible; it refuses what is never needed.
 */
export const INVISIBLE = /[\u2060-\u2065\u206A-\u206F\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]/;
/**
 * The zero width space (U+200B) and the soft hyphen (U+00AD) show nothing but say where a line may break: Thai,
 * Khmer, Lao and Burmese put no spaces between words, and their text (a shop's name, a name pasted from a
 * document) marks the word boundaries with U+200B; a long word ("Donau\u00ADdampf\u00ADschiff", a long surname)
 * carries its hyphenation points as U+00AD. So a name keeps them between letters, and refuses them at either end
 * (spaces aside, as a name is trimmed), where they break nothing and only make "Ann\u200B" a look-alike of "Ann",
 * or a name of nothing but them. A key or an email is no text to break: it refuses them anywhere.
 */
export const BREAK_HINT = /[\u00AD\u200B]/;
/** A break hint first or last, spaces aside (`\s` is exactly what `.trim()` cuts): where no name may hold one. */
export const BREAK_HINT_AT_AN_END = /^\s*[\u00AD\u200B]|[\u00AD\u200B]\s*$/u;

/**
 * Every character a name refuses wherever it stands, to leave out of text that becomes a name without a client to
 * answer (a directory user's name): global, for `replace`. Then trimName, as the break hints are refused at the ends.
 */
export const NOT_IN_A_NAME = new RegExp(
  [CONTROL, LONE_SURROGATE, NONCHARACTER, LINE_OR_PARAGRAPH_SEPARATOR, BIDI_CONTROL, INVISIBLE].map((rule) => rule.source).join('|'),
  'gu',
);
/** The text without spaces or break hints at either end, where a name may not hold them. */
export function trimName(text: string): string {
  return text.replace(/^[\s\u00AD\u200B]+|[\s\u00AD\u200B]+$/gu, '');
}
