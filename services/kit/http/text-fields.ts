/**
 * Text a client sends to be stored: no control characters. NUL would fail in PostgreSQL (text cannot hold it:
 * a 500), and the others (ESC, BEL, DEL, the C1 range, …) have no place in a name and only serve to garble logs
 * and terminals. Multi-line text (a description) keeps tabs and line breaks.
 */
import type { z } from 'zod';

const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_TABS_AND_LINE_BREAKS = /(?![\t\n\r])\p{Cc}/u;

/** A single-line text field: no control character at all. */
export function singleLine<S extends z.ZodType<string>>(schema: S): S {
  return schema.refine((value) => !CONTROL.test(value), 'must not contain control characters') as S;
}

/** A multi-line text field: tabs and line breaks, but no other control character. */
export function multiLine<S extends z.ZodType<string>>(schema: S): S {
  return schema.refine(
    (value) => !CONTROL_BUT_TABS_AND_LINE_BREAKS.test(value),
    'must not contain control characters other than tabs and line breaks',
  ) as S;
}
