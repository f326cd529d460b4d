/**
 * Whether each part of a compact JWS is base64url as an encoder writes it: the bits of the last character past
 * the part's bytes are zero (RFC 4648 §3.5). Node's decoder ignores them, so a signature's last character can be
 * swapped for any of 16 (RS256: 342 characters carry 2,048 bits and 4 spare): 16 different strings that all verify.
 * Each would cost its own signature check, be given back as valid (authorizer.ts), and take its own cache entry.
 * No issuer writes such a token; the gateway refuses it unchecked, as it refuses what is no compact JWS at all.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The spare bits of a part's last character, by the part's length mod 4; a length of 1 mod 4 is no base64 at all. */
const SPARE_BITS = [0, -1, 0b1111, 0b11] as const;

export function isCanonicalJws(token: string): boolean {
  for (const part of token.split('.')) {
    const spare = SPARE_BITS[part.length % 4] as number;
    if (spare === -1) return false;
    if (spare !== 0 && (ALPHABET.indexOf(part.charAt(part.length - 1)) & spare) !== 0) return false;
  }
  return true;
}
