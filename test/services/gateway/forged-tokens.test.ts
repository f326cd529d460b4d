/**
 * Tokens with cognito-local's real `kid` and a forged signature: each one not yet seen costs a signature check, so
 * one address sending a new one per request made the gateway check every one of them. Failed checks now have a
 * bucket per address, the anonymous pool's size (burst 100, 50/s), taken before a check: once it is empty the
 * address's new tokens get 429 unchecked. The checks are counted as they reach the run's real verifier.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGE_CLIENT_LIMITS } from '../../../services/contracts/routes';
import type { Principal } from '../../../services/kit/auth/jwt-verifier';
import { loginAs, testVerifier, type TestTokens } from '../../support/auth';
import { reforge, strangerKey } from '../../support/jwt-forge';
import { call, FakeClock, startEchoUpstreams, startTestGateway, type Problem, type TestServer, type Upstreams } from './support';

const BURST = STAGE_CLIENT_LIMITS.anonymous.throttle.burstLimit;
let upstreams: Upstreams;
let gateway: TestServer;
let user: TestTokens;
const clock = new FakeClock();
/** Tokens that reached the real verifier's signature check. */
let checks = 0;

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  const real = testVerifier();
  const verifier = { verify: (token: string): Promise<Principal> => (checks++, real.verify(token)) };
  gateway = await startTestGateway({ upstreams: upstreams.urls, verifier, clock: clock.now });
  user = await loginAs();
});
afterAll(async () => {
  await gateway?.close();
  await upstreams?.close();
});

/** A token no one has sent before: the user's claims with a `jti` of its own, signed by a key no JWKS holds. */
let forgeries = 0;
const forged = () => reforge(user.accessToken, { jti: `forged-${++forgeries}` }, { key: strangerKey() });
const get = (from: string, token: string) => call(gateway.url, 'GET', '/identity/me', { from, headers: { authorization: `Bearer ${token}` } });

describe('when one address floods a guarded route with forged tokens', () => {
  it('then once its failed checks are spent it gets 429 with Retry-After, unchecked, even sending them all at once', async () => {
    const before = checks;
    const statuses: number[] = [];
    for (let round = 0; round < 4; round++) {
      const answers = await Promise.all(Array.from({ length: 40 }, () => get('127.0.0.31', forged())));
      statuses.push(...answers.map((answer) => answer.status));
      const refused = answers.find((answer) => answer.status === 429);
      if (refused) {
        expect(refused.headers['retry-after']).toBe('1');
        expect(refused.json<Problem>()).toMatchObject({ type: 'urn:problem-type:platform:too-many-requests', requestId: refused.headers['x-request-id'] });
      }
    }
    expect(statuses.filter((status) => status === 401)).toHaveLength(BURST);
    expect(statuses.filter((status) => status === 429)).toHaveLength(160 - BURST);
    expect(checks - before).toBe(BURST);
  });

  it('then another address with a valid token still gets through, checked once', async () => {
    const before = checks;
    expect((await get('127.0.0.32', user.accessToken)).status).toBe(200);
    expect(checks - before).toBe(1);
  });

  it('then from the flooding address a token already verified is still served from the cache', async () => {
    expect((await get('127.0.0.31', user.accessToken)).status).toBe(200);
  });

  it('then from the flooding address a real new token gets 429 too, until the bucket refills', async () => {
    const fresh = await loginAs();
    const before = checks;
    expect((await get('127.0.0.31', fresh.accessToken)).status).toBe(429);
    expect(checks - before).toBe(0);
    clock.advance(1_000);
    expect((await get('127.0.0.31', fresh.accessToken)).status).toBe(200);
    expect(checks - before).toBe(1);
  });
});

describe('when an address sends many valid new tokens', () => {
  it('then none of their checks counts as failed: they never meet the 429', async () => {
    const users = await Promise.all(Array.from({ length: 3 }, () => loginAs()));
    for (let i = 0; i < BURST - 1; i++) expect((await get('127.0.0.33', forged())).status).toBe(401);
    for (const each of users) expect((await get('127.0.0.33', each.accessToken)).status).toBe(200);
    expect((await get('127.0.0.33', forged())).status).toBe(401);
    expect((await get('127.0.0.33', forged())).status).toBe(429);
  });
});

describe('when a valid token is sent again with other spare bits in its signature\'s last character', () => {
  const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  /** The same signature bytes, spelled with spare bits set: node's decoder reads them as the real one. */
  const respelled = (token: string, spare: number) => {
    const last = B64URL.indexOf(token.charAt(token.length - 1));
    return `${token.slice(0, -1)}${B64URL.charAt((last & ~0b1111) | spare)}`;
  };

  it('then each spelling is refused 401 unchecked, so one token cannot buy checks given back as valid', async () => {
    const fresh = await loginAs();
    const before = checks;
    for (let spare = 1; spare < 16; spare++) expect((await get('127.0.0.34', respelled(fresh.accessToken, spare))).status).toBe(401);
    expect(checks - before).toBe(0);
    expect((await get('127.0.0.34', fresh.accessToken)).status).toBe(200);
    expect(checks - before).toBe(1);
  });
});
