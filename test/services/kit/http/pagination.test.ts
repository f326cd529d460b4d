import { describe, expect, it } from 'vitest';
import { rejection } from '../../../support/rejection';
import { z } from 'zod';
import { cursorTimestamp, decodeCursor, encodeCursor, parsePageQuery, toPage } from '../../../../services/kit/http/pagination';

const keySchema = z.strictObject({ createdAt: z.iso.datetime(), id: z.string() });
const KEY = { createdAt: '2026-01-02T03:04:05.000Z', id: 'b-2' };

describe('cursors', () => {
  it('when a key is encoded, then the cursor is base64url JSON of the key, opaque and safe in a query string', () => {
    const cursor = encodeCursor(KEY);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))).toEqual(KEY);
  });

  it('when a cursor this API issued comes back, then it decodes to the same key', () => {
    expect(decodeCursor(encodeCursor(KEY), keySchema)).toEqual(KEY);
  });

  // Cursors are made inside the test, not in the table: code run at import is outside every test for Stryker.
  it.each([
    ['not base64url JSON', () => 'not a cursor!'],
    ['JSON of another shape', () => encodeCursor({ id: 'b-2' })],
    ['a key with an extra field', () => encodeCursor({ ...KEY, offset: 10 })],
  ])('when the cursor is %s, then it answers 400 on the cursor field', (_what, cursorOf) => {
    const error = rejection(() => decodeCursor(cursorOf(), keySchema));
    expect(error).toMatchObject({ status: 400, code: 'validation-failed', message: 'The cursor is not valid.' });
    expect(error.errors).toEqual([{ path: 'cursor', message: 'not a cursor this API issued' }]);
  });
});

describe('parsePageQuery', () => {
  it('when the query is empty, then the page is the first 20 items', () => {
    expect(parsePageQuery({}, keySchema)).toEqual({ limit: 20, after: undefined });
  });

  it('when a limit and a cursor are given, then the limit is a number and the cursor its key', () => {
    expect(parsePageQuery({ limit: '5', cursor: encodeCursor(KEY) }, keySchema)).toEqual({ limit: 5, after: KEY });
  });

  it.each(['1', '100'])('when the limit is %s, then it is accepted', (limit) => {
    expect(parsePageQuery({ limit }, keySchema).limit).toBe(Number(limit));
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a limit of 0', { limit: '0' }, 'limit'],
    ['a limit over 100', { limit: '101' }, 'limit'],
    ['a fractional limit', { limit: '2.5' }, 'limit'],
    ['a limit that is not a number', { limit: 'ten' }, 'limit'],
    ...['0x10', '1e1', '0b11', '0o7', '+5', ' 5', '5\n', '5.0', '05', '', '1000'].map((limit): [string, Record<string, unknown>, string] => [`a limit written ${JSON.stringify(limit)}`, { limit }, 'limit']),
    ['a limit given twice', { limit: ['5', '6'] }, 'limit'],
    ['a cursor longer than 512 characters', { cursor: 'a'.repeat(513) }, 'cursor'],
    ['an offset', { offset: '10' }, 'offset'],
  ])('when the query has %s, then it answers 400 naming that parameter', (_what, query, field) => {
    const error = rejection(() => parsePageQuery(query, keySchema));
    expect(error).toMatchObject({ status: 400, code: 'validation-failed', message: 'The query string is not valid.' });
    expect(error.errors?.map((e) => e.path)).toEqual([field]);
  });

  it.each(['0x10', '101'])('when the limit is %s, then the error says what a limit is', (limit) => {
    expect(rejection(() => parsePageQuery({ limit }, keySchema)).errors).toEqual([{ path: 'limit', message: 'must be a whole number from 1 to 100' }]);
  });

  it.each([
    ['limit', { limit: ['5', '6'] }, 2],
    ['cursor', { cursor: ['a', 'b', 'c'] }, 3],
  ])('when %s is given more than once, then the error says it must be given once, not zod\'s "expected string, received array"', (field, query, times) => {
    expect(rejection(() => parsePageQuery(query, keySchema)).errors).toEqual([{ path: field, message: `must be given once, not ${times} times` }]);
  });

  it('when the cursor is 512 characters, then its length alone does not refuse it', () => {
    const error = rejection(() => parsePageQuery({ cursor: 'a'.repeat(512) }, keySchema));
    expect(error.message).toBe('The cursor is not valid.');
  });
});

describe('toPage', () => {
  const items = [
    { createdAt: '2026-01-03T00:00:00.000Z', id: 'c' },
    { createdAt: '2026-01-02T00:00:00.000Z', id: 'b' },
    { createdAt: '2026-01-01T00:00:00.000Z', id: 'a' },
  ];
  const keyOf = (item: (typeof items)[number]) => ({ createdAt: item.createdAt, id: item.id });

  it('when there are more items, then the next cursor points after the last item served', () => {
    const page = toPage({ items, hasMore: true }, keyOf);
    expect(page.items).toBe(items);
    expect(decodeCursor(page.nextCursor!, keySchema)).toEqual({ createdAt: '2026-01-01T00:00:00.000Z', id: 'a' });
  });

  it('when this is the last page, then the next cursor is null', () => {
    expect(toPage({ items, hasMore: false }, keyOf)).toEqual({ items, nextCursor: null });
  });

  it('when the page is empty, then the next cursor is null even if more was claimed', () => {
    expect(toPage({ items: [], hasMore: true }, keyOf)).toEqual({ items: [], nextCursor: null });
  });
});

describe('cursorTimestamp', () => {
  const accepts = (value: string) => cursorTimestamp.safeParse(value).success;

  it('when a timestamp is written as the API writes them, then it is accepted, from year 1 to year 9999', () => {
    for (const value of ['2026-12-01T16:30:00.123Z', '0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) expect(accepts(value), value).toBe(true);
  });

  it('when it is year 0000, past 9999, another form or not a date, then it is refused', () => {
    for (const value of ['0000-01-01T00:00:00.000Z', '+010000-01-01T00:00:00.000Z', '-000001-01-01T00:00:00.000Z', '2026-12-01T16:30:00Z', '2026-12-01', '2026-02-31T00:00:00.000Z', 'soon']) {
      expect(accepts(value), value).toBe(false);
    }
    expect(cursorTimestamp.safeParse('0000-01-01T00:00:00.000Z').error?.issues[0]?.message).toBe('not a timestamp this API issued');
  });
});

