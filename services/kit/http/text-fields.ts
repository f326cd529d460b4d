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
import {
  BIDI_CONTROL,
  BREAK_HINT,
  BREAK_HINT_AT_AN_END,
  CONTROL,
  CONTROL_BUT_TABS_AND_LINE_BREAKS,
  INVISIBLE,
  LINE_OR_PARAGRAPH_SEPARATOR,
  LONE_SURROGATE,
  NONCHARACTER,
} from '../text';

const wellFormed = <S extends z.ZodType<string>>(schema: S): S =>
  schema
    .refine((value) => !LONE_SURROGATE.test(value), 'must be valid Unicode text (it holds a lone surrogate)')
    .refine((value) => !NONCHARACTER.test(value), 'must not contain U+FFFE or U+FFFF, which are not characters') as S;

/** One line as shown: no control character at all, no line or paragraph separator, no bidirectional control. */
const oneLine = <S extends z.ZodType<string>>(schema: S): S =>
  schema
    .refine((value) => !CONTROL.test(value), 'must not contain control characters')
    .refine((value) => !LINE_OR_PARAGRAPH_SEPARATOR.test(value), 'must be one line (no U+2028 or U+2029 separator)')
    .refine((value) => !BIDI_CONTROL.test(value), 'must not contain bidirectional controls (U+202A–U+202E, U+2066–U+2069), which reorder how it is shown') as S;

/**
 * A single-line key or address (an email, an Idempotency-Key): one line, and no invisible character at all, the
 * break hints U+200B and U+00AD included, as a key is no text to break. text-patterns.ts's SINGLE_LINE_TEXT
 * pattern says the same to clients; test/docs/openapi-text-patterns.test.ts holds the two together.
 */
export function singleLine<S extends z.ZodType<string>>(schema: S): S {
  return wellFormed(
    oneLine(schema).refine(
      (value) => !INVISIBLE.test(value) && !BREAK_HINT.test(value),
      'must not contain invisible characters (such as U+200B zero width space, U+2060 word joiner, U+FEFF or U+00AD soft hyphen)',
    ) as S,
  );
}

/**
 * A name (a user's, a product's): one line, no invisible character, but the zero width space and soft hyphen that
 * Thai, Khmer, Lao, Burmese and long words need between letters, though not at either end (kit/text.ts says why).
 * text-patterns.ts's NAME_TEXT pattern says the same to clients; test/docs/openapi-text-patterns.test.ts holds the
 * two together.
 */
export function singleLineName<S extends z.ZodType<string>>(schema: S): S {
  return wellFormed(
    oneLine(schema)
      .refine((value) => !INVISIBLE.test(value), 'must not contain invisible characters (such as U+2060 word joiner or U+FEFF)')
      .refine(
        (value) => !BREAK_HINT_AT_AN_END.test(value),
        'must not begin or end with a zero width space (U+200B) or soft hyphen (U+00AD): they belong between letters',
      ) as S,
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
