import { AppError } from '../../../kit/errors';
import { idempotencyKeyHeader } from './schemas';

// ignoreBOM: a leading byte order mark is part of the key, and so refused with it (an invisible character, which
// text-fields.ts keeps out of single-line text). Dropping it (the decoder's default) made "\uFEFFk" and "k", two
// different byte strings, the same key.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The `Idempotency-Key` header as the text the client meant. Node hands header values over as one character per
 * octet; clients (curl, browsers, undici) send non-ASCII text as UTF-8, so the octets are decoded as UTF-8 and
 * the key is stored and compared exactly as that text. Octets that are not UTF-8 answer 400 rather than being
 * guessed at, so two different byte strings can never become the same key. The header sent more than once is
 * refused too: Node would join the lines into one key ("k1, k2"), a key the client never chose.
 */
export function idempotencyKey(lines: readonly string[] | undefined): string | undefined {
  if (lines === undefined) return undefined;
  if (lines.length > 1) throw invalid([`must be sent once, not ${lines.length} times`]);
  const raw = lines[0]!;
  let text: string;
  try {
    text = utf8.decode(Buffer.from(raw, 'latin1'));
  } catch {
    throw invalid(['must be UTF-8 text']);
  }
  const parsed = idempotencyKeyHeader.safeParse(text);
  if (!parsed.success) throw invalid(parsed.error.issues.map((issue) => issue.message));
  return parsed.data;
}

function invalid(messages: string[]): AppError {
  const errors = messages.map((message) => ({ path: 'Idempotency-Key', message }));
  return AppError.validation(errors, 'The Idempotency-Key header is not valid.');
}
