/**
 * Idempotency of invoice creation: a key names one creation attempt of one user. The request's fingerprint
 * tells a retry (same body: answer the first result) from a client bug (same key, another body: 422).
 */
import { createHash } from 'node:crypto';
import type { RequestedLine } from './invoice';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export interface IdempotencyClaim {
  readonly key: string;
  readonly fingerprint: string;
}

/**
 * SHA-256 of the request's meaning, not its bytes: field order and whitespace do not count, the order of lines
 * does (it is the order of the invoice's lines). Product ids are compared in lower case, as UUIDs are.
 */
export function requestFingerprint(lines: readonly RequestedLine[]): string {
  const canonical = JSON.stringify(lines.map((line) => [line.productId.toLowerCase(), line.quantity]));
  return createHash('sha256').update(canonical).digest('hex');
}
