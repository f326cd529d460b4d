/**
 * Keyset pagination: the cursor is the sort key of the last item served, so inserts between pages never shift,
 * repeat or skip items the way offsets do. It is opaque to clients (base64url JSON) and validated on the way in.
 */
import { z } from 'zod';
import { AppError } from '../errors';
import { parseInput } from './validate';

export interface PageQuery<K> {
  readonly limit: number;
  readonly after: K | undefined;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

/**
 * A parameter repeated in the query string (`?limit=5&limit=6`) arrives as an array: said as such, rather than as
 * zod's "expected string, received array", which names a type the client never wrote.
 */
const once = (issue: { input?: unknown }) => (Array.isArray(issue.input) ? `must be given once, not ${issue.input.length} times` : undefined);

const pageParams = z.strictObject({
  // Decimal digits only: Number() would also take 0x10, 1e1, " 5" and 5.0.
  limit: z
    .string({ error: once })
    .regex(/^(100|[1-9][0-9]?)$/, 'must be a whole number from 1 to 100')
    .transform(Number)
    .default(20),
  cursor: z.string({ error: once }).max(512).optional(),
});

/**
 * A timestamp in a cursor, exactly as the API issues them (`Date#toISOString`: UTC, milliseconds), and within the
 * years both JavaScript and PostgreSQL's timestamptz hold (1 to 9999). A forged cursor with year 0000 passes a
 * plain ISO check but fails in the database, which would answer 500.
 */
export const cursorTimestamp = z.string().refine(isIssuedTimestamp, 'not a timestamp this API issued');

function isIssuedTimestamp(value: string): boolean {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== value) return false;
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999;
}

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<K>(cursor: string, schema: z.ZodType<K>): K {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // Not JSON: as foreign as JSON of another shape.
  }
  throw AppError.validation([{ path: 'cursor', message: 'not a cursor this API issued' }], 'The cursor is not valid.');
}

/** Reads `?limit=&cursor=` (and nothing else) from a query object. */
export function parsePageQuery<K>(query: unknown, keySchema: z.ZodType<K>): PageQuery<K> {
  const { limit, cursor } = parseInput(pageParams, query, 'query string');
  return { limit, after: cursor === undefined ? undefined : decodeCursor(cursor, keySchema) };
}

/** The list answer: the cursor points after the last item served, and is null on the last page. */
export function toPage<T, K>(slice: { items: T[]; hasMore: boolean }, keyOf: (item: T) => K): Page<T> {
  const last = slice.items.at(-1);
  return { items: slice.items, nextCursor: slice.hasMore && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
