import { describe, expect, it } from 'vitest';
import { TokenCache } from '../../../services/gateway/token-cache';
import { FakeClock } from './support';

const principal = (exp: number, sub = 'user') => ({ sub, scopes: ['s'], exp });

describe('when a verified token is cached', () => {
  it('then it is served until just before its exp', () => {
    const clock = new FakeClock(1_000_000_000);
    const cache = new TokenCache(10, clock.now);
    cache.set('t', principal(1_000_060)); // exp 60 s from now
    clock.advance(59_999);
    expect(cache.get('t')).toMatchObject({ sub: 'user' });
  });

  it('then it is never served at or past its exp', () => {
    const clock = new FakeClock(1_000_000_000);
    const cache = new TokenCache(10, clock.now);
    cache.set('t', principal(1_000_060));
    clock.advance(60_000);
    expect(cache.get('t')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('then a token that has already expired is not stored', () => {
    const clock = new FakeClock(1_000_000_000);
    const cache = new TokenCache(10, clock.now);
    cache.set('t', principal(999_999));
    expect(cache.size).toBe(0);
  });
});

describe('when more tokens arrive than the cache holds', () => {
  it('then the oldest one goes', () => {
    const clock = new FakeClock(1_000_000_000);
    const cache = new TokenCache(2, clock.now);
    cache.set('a', principal(2_000_000, 'a'));
    cache.set('b', principal(2_000_000, 'b'));
    cache.set('c', principal(2_000_000, 'c'));
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toMatchObject({ sub: 'b' });
    expect(cache.get('c')).toMatchObject({ sub: 'c' });
  });

  it('then a size of 0 turns caching off', () => {
    const cache = new TokenCache(0, () => 0);
    cache.set('a', principal(2_000_000));
    expect(cache.size).toBe(0);
  });
});
