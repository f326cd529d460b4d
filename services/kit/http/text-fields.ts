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

const wellFormed = <S extends z.ZodType<string>>(schema: S): S =>
  schema
    .refine((value) => !LONE_SURROGATE.test(value), 'must be valid Unicode text (it holds a lone surrogate)')
    .refine((value) => !NONCHARACTER.test(value), 'must not contain U+FFFE or U+FFFF, which are not characters') as S;

/** A single-line text field: no control character at all, and no line or paragraph separator. */
export function singleLine<S extends z.ZodType<string>>(schema: S): S {
  return wellFormed(
    schema
      .refine((value) => !CONTROL.test(value), 'must not contain control characters')
      .refine((value) => !LINE_OR_PARAGRAPH_SEPARATOR.test(value), 'must be one line (no U+2028 or U+2029 separator)') as S,
  );
}

/** A multi-line text field: tabs and line breaks, but no other control character. */
export function multiLine<S extends z.ZodType<string>>(schema: S): S {
  return wellFormed(
    schema.refine((value) => !CONTROL_BUT_TABS_AND_LINE_BREAKS.test(value), 'must not contain control characters other than tabs and line breaks') as S,
  );
}
