import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { credentialBody, CredentialBodyTooLarge, MAX_CREDENTIAL_BODY_BYTES } from '../../../services/gateway/credential-body';

const text = '{"email":"a@x"}';

describe('when a credential body is read as the service will read it', () => {
  it.each([
    ['no Content-Encoding', undefined, Buffer.from(text)],
    ['identity', 'identity', Buffer.from(text)],
    ['gzip', 'gzip', gzipSync(text)],
    ['GZIP (any case)', 'GZIP', gzipSync(text)],
    ['deflate', 'deflate', deflateSync(text)],
    ['br', 'br', brotliCompressSync(text)],
    ['a UTF-8 byte order mark', undefined, Buffer.from(`\ufeff${text}`)],
    ['gzip around a byte order mark', 'gzip', gzipSync(`\ufeff${text}`)],
  ])('then %s gives the JSON text', (_name, encoding, body) => {
    expect(credentialBody(body, encoding)?.toString('utf8')).toBe(text);
  });

  it.each([
    ['an encoding body-parser refuses', 'compress', Buffer.from(text)],
    ['two encodings', 'gzip, br', gzipSync(text)],
    ['a body that is not what its encoding says', 'gzip', Buffer.from(text)],
    ['a name on the object prototype', 'constructor', Buffer.from(text)],
  ])('then %s gives nothing', (_name, encoding, body) => {
    expect(credentialBody(body, encoding)).toBeUndefined();
  });

  it('when a small body inflates past the cap (a compression bomb), then inflating stops there and the body is too large', () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(100 * 1024);
    expect(() => credentialBody(bomb, 'gzip')).toThrow(CredentialBodyTooLarge);
    expect(() => credentialBody(brotliCompressSync(Buffer.alloc(MAX_CREDENTIAL_BODY_BYTES + 1, 0x20)), 'br')).toThrow(CredentialBodyTooLarge);
  });

  it('when a plain body is over the cap, then it is too large; at the cap it is read', () => {
    expect(() => credentialBody(Buffer.alloc(MAX_CREDENTIAL_BODY_BYTES + 1, 0x20), undefined)).toThrow(CredentialBodyTooLarge);
    expect(credentialBody(Buffer.alloc(MAX_CREDENTIAL_BODY_BYTES, 0x20), undefined)?.length).toBe(MAX_CREDENTIAL_BODY_BYTES);
  });
});
