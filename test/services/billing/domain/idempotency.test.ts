import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { requestFingerprint } from '../../../../services/billing/domain/idempotency';

const A = '3f1c2a5e-8b7d-4c1e-9f00-000000000001';
const B = '3f1c2a5e-8b7d-4c1e-9f00-000000000002';

describe('requestFingerprint', () => {
  it('when two requests mean the same lines, then their fingerprints are equal whatever the field order', () => {
    const first = requestFingerprint([{ productId: A, quantity: 2 }]);
    const reordered = requestFingerprint([JSON.parse(`{"quantity":2,"productId":"${A}"}`) as { productId: string; quantity: number }]);
    expect(first).toBe(reordered);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
  });

  it('when a claim is stored, then its fingerprint is SHA-256 of [[lower-case product id, quantity], …], so claims stay valid across releases', () => {
    // A change to this form makes every retry of a request made before the release a 422 (another body).
    expect(requestFingerprint([{ productId: A.toUpperCase(), quantity: 2 }])).toBe(
      createHash('sha256').update(`[["${A}",2]]`).digest('hex'),
    );
  });

  it('when a product id differs only in letter case, then the fingerprint is the same', () => {
    expect(requestFingerprint([{ productId: A.toUpperCase(), quantity: 1 }])).toBe(requestFingerprint([{ productId: A, quantity: 1 }]));
  });

  it.each([
    ['another quantity', [{ productId: A, quantity: 3 }]],
    ['another product', [{ productId: B, quantity: 2 }]],
    ['an extra line', [{ productId: A, quantity: 2 }, { productId: B, quantity: 1 }]],
  ])('when the request has %s, then the fingerprint differs', (_what, lines) => {
    expect(requestFingerprint(lines)).not.toBe(requestFingerprint([{ productId: A, quantity: 2 }]));
  });

  it('when the same lines come in another order, then the fingerprint differs, as the invoice would', () => {
    const ab = requestFingerprint([{ productId: A, quantity: 1 }, { productId: B, quantity: 1 }]);
    const ba = requestFingerprint([{ productId: B, quantity: 1 }, { productId: A, quantity: 1 }]);
    expect(ab).not.toBe(ba);
  });
});
