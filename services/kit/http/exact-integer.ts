/**
 * A 64-bit integer (a PostgreSQL bigint sum) on the wire, never silently rounded: a JSON number while every
 * client's JSON parser holds it exactly (a JavaScript number is exact up to 2^53 − 1), its decimal digits as a
 * string beyond. A client that sees a string knows the value is too large for a double; one that saw a number
 * above 2^53 would have no way to tell it had been rounded.
 */
import { z } from 'zod';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function exactInteger(value: bigint): number | string {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value.toString();
}

/** The wire shape of `exactInteger`, for OpenAPI documents. */
export const exactIntegerSchema = z
  .union([z.number().int(), z.string().regex(/^-?\d+$/)])
  .meta({ description: 'A JSON number up to 2^53 − 1 (9007199254740991); beyond, its exact decimal digits as a string' });
