/**
 * Hand-made JWTs for the verification matrix. cognito-local signs with a key pair that ships in its package,
 * so a test can mint tokens the emulator would accept, change one thing, and check that the one thing is what
 * gets the token rejected.
 */
import { createHmac, createPrivateKey, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export type JwtHeader = Record<string, unknown>;
export type JwtClaims = Record<string, unknown>;

const require = createRequire(import.meta.url);

function shippedKey(name: 'private' | 'public'): { pem: string } {
  const file = require.resolve(`cognito-local/lib/keys/cognitoLocal.${name}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as { pem: string };
}

/** The private key every cognito-local token is signed with (kid `CognitoLocal`). */
export const cognitoLocalPrivateKey: KeyObject = createPrivateKey(shippedKey('private').pem);
/** Its public half as PEM text, exactly what an HS256 key-confusion attack would use as the HMAC secret. */
export const cognitoLocalPublicPem: string = shippedKey('public').pem;

let stranger: KeyObject | undefined;

/** An RSA key that no JWKS knows; made once per test file, as generating one takes a few hundred ms. */
export function strangerKey(): KeyObject {
  stranger ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return stranger;
}

const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');

export function decodeJwt(token: string): { header: JwtHeader; payload: JwtClaims; signature: string } {
  const [header = '', payload = '', signature = ''] = token.split('.');
  const parse = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: parse(header), payload: parse(payload), signature };
}

/** RS256 by default, with cognito-local's key and kid; `alg: 'none'` gives an empty signature. */
export function signJwt(
  payload: JwtClaims,
  options: { header?: JwtHeader; key?: KeyObject; hmacSecret?: string } = {},
): string {
  const header = { alg: 'RS256', typ: 'JWT', kid: 'CognitoLocal', ...options.header };
  const input = `${encode(header)}.${encode(payload)}`;
  if (header.alg === 'none') return `${input}.`;
  if (header.alg === 'HS256') {
    return `${input}.${createHmac('sha256', options.hmacSecret ?? '').update(input).digest('base64url')}`;
  }
  const signature = createSign('RSA-SHA256').update(input).sign(options.key ?? cognitoLocalPrivateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** A copy of a real token's claims with some changed (`undefined` removes a claim), re-signed. */
export function reforge(
  token: string,
  changes: JwtClaims,
  options: { header?: JwtHeader; key?: KeyObject; hmacSecret?: string } = {},
): string {
  const { payload } = decodeJwt(token);
  const claims = Object.fromEntries(
    Object.entries({ ...payload, ...changes }).filter(([, value]) => value !== undefined),
  );
  return signJwt(claims, options);
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
