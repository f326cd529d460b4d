/**
 * An aws-jwt-verify Fetcher for the emulator. The Cognito verifier always asks for the pool's public key URL
 * (`https://cognito-idp.<region>.amazonaws.com/<poolId>/.well-known/jwks.json`), and the library's own fetcher
 * refuses plain http. This one answers that request from the emulator's URL instead, with Node's fetch.
 */
import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';

const TIMEOUT_MS = 3_000;

export class RedirectingJwksFetcher implements Fetcher {
  private readonly path: string;

  constructor(
    private readonly jwksUrl: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.path = new URL(jwksUrl).pathname;
  }

  async fetch(uri: string): Promise<ArrayBuffer> {
    // The pool id is in the path: a request for another pool's keys is a configuration mistake, not a redirect.
    if (new URL(uri).pathname !== this.path) {
      throw new NonRetryableFetchError(uri, `only ${this.path} is served from ${this.jwksUrl}`);
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.jwksUrl, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      throw new FetchError(this.jwksUrl, error instanceof Error ? error.message : String(error));
    }
    if (response.status !== 200) {
      throw new NonRetryableFetchError(this.jwksUrl, `status code is ${response.status}, expected 200`);
    }
    return response.arrayBuffer();
  }
}
