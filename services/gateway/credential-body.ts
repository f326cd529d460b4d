/**
 * A credential request's body as the service's JSON parser will read it (body-parser: inflated per
 * Content-Encoding, a UTF-8 byte order mark dropped), so that the account the gateway limits is the account the
 * service is asked about. A gzip or BOM-prefixed body read as raw bytes named no account, and its guesses skipped
 * the per-account limits while the service still answered them.
 */
import { brotliDecompressSync, gunzipSync, inflateSync, type ZlibOptions } from 'node:zlib';

/**
 * Credential bodies are a few hundred bytes. One larger than this (once inflated) is refused with 413 rather than
 * read: Identity would read up to 1 MiB, so a body the gateway gave up on could still be a guess it answers.
 */
export const MAX_CREDENTIAL_BODY_BYTES = 64 * 1024;

/** The body is over MAX_CREDENTIAL_BODY_BYTES, as sent or once inflated. */
export class CredentialBodyTooLarge extends Error {}

type Decode = (body: Buffer, options: ZlibOptions) => Buffer;

/** body-parser's own set (lower-cased, as it compares them); any other value it refuses with 415. */
const DECODERS: Readonly<Record<string, Decode>> = {
  identity: (body) => body,
  gzip: gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The bytes the service parses, or `undefined` when the gateway cannot undo the encoding (the service answers 4xx
 * too). Throws CredentialBodyTooLarge past the cap.
 */
export function credentialBody(body: Buffer, contentEncoding: string | undefined): Buffer | undefined {
  const name = (contentEncoding ?? 'identity').toLowerCase();
  const decode = Object.hasOwn(DECODERS, name) ? DECODERS[name] : undefined;
  if (!decode) return undefined;
  let decoded: Buffer;
  try {
    decoded = decode(body, { maxOutputLength: MAX_CREDENTIAL_BODY_BYTES });
  } catch (error) {
    // Inflating stops at the cap (a compression bomb costs no more than that); anything else is a corrupt body.
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new CredentialBodyTooLarge();
    return undefined;
  }
  if (decoded.length > MAX_CREDENTIAL_BODY_BYTES) throw new CredentialBodyTooLarge();
  return decoded.subarray(0, UTF8_BOM.length).equals(UTF8_BOM) ? decoded.subarray(UTF8_BOM.length) : decoded;
}
