import { NonRetryableFetchError } from 'aws-jwt-verify/error';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedirectingJwksFetcher } from '../../../../services/kit/auth/jwks-fetcher';
import { createJwtVerifier } from '../../../../services/kit/auth/jwt-verifier';
import { AppError } from '../../../../services/kit/errors';
import { acquireTestCognito, createUserAndLogin, type TestCognito } from '../../../support/cognito';
import { strangerKey, reforge } from '../../../support/jwt-forge';

let cognito: TestCognito;
let token: string;

beforeAll(async () => {
  cognito = await acquireTestCognito();
  token = (await createUserAndLogin(cognito.env)).accessToken;
});

afterAll(() => cognito?.stop());

function countingVerifier(jwksUrl = cognito.env.jwksUrl) {
  const downloads: string[] = [];
  const countingFetch: typeof fetch = (input, init) => {
    downloads.push(String(input));
    return fetch(input, init);
  };
  const { userPoolId, clientId } = cognito.env;
  return { downloads, verifier: createJwtVerifier({ userPoolId, clientId, jwksUrl, fetch: countingFetch }) };
}

const unknownKid = (kid: string) => reforge(token, {}, { header: { kid }, key: strangerKey() });

describe('when tokens are verified', () => {
  it('then the keys are downloaded once, from the emulator URL', async () => {
    const { downloads, verifier } = countingVerifier();
    await Promise.all([verifier.verify(token), verifier.verify(token)]);
    await verifier.verify(token);
    expect(downloads).toEqual([cognito.env.jwksUrl]);
  });
});

describe('when a token names an unknown kid', () => {
  it('then the keys are downloaded again once, and not again for the next unknown kid right after', async () => {
    const { downloads, verifier } = countingVerifier();
    await verifier.verify(token);
    await expect(verifier.verify(unknownKid('rotated-1'))).rejects.toMatchObject({ status: 401 });
    expect(downloads).toHaveLength(2);
    // aws-jwt-verify's penalty box: a flood of made-up kids must not become a flood of downloads.
    await expect(verifier.verify(unknownKid('rotated-2'))).rejects.toMatchObject({ status: 401 });
    expect(downloads).toHaveLength(2);
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: expect.any(String) });
  });
});

describe('when the keys cannot be fetched', () => {
  it('then verification answers 503 with Retry-After, not 401', async () => {
    const { userPoolId } = cognito.env;
    const { verifier } = countingVerifier(`http://127.0.0.1:1/${userPoolId}/.well-known/jwks.json`);
    const error: unknown = await verifier.verify(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 503, headers: { 'Retry-After': expect.any(String) } });
  });
});

describe('when the fetcher is asked for another pool’s keys', () => {
  it('then it refuses instead of serving this pool’s keys', async () => {
    const fetcher = new RedirectingJwksFetcher('http://127.0.0.1:9/us-east-1_AAAAAAAAA/.well-known/jwks.json');
    await expect(
      fetcher.fetch('https://cognito-idp.us-east-1.amazonaws.com/us-east-1_BBBBBBBBB/.well-known/jwks.json'),
    ).rejects.toBeInstanceOf(NonRetryableFetchError);
  });
});
