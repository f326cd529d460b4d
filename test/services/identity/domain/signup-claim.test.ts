import { describe, expect, it } from 'vitest';
import { isOurOrphan } from '../../../../services/identity/domain/signup-claim';

const sub = '3a02e6aa-4d7b-4d48-b08a-a3529edd7cee';
const otherSub = '9f2e5d13-d084-43bc-8cea-03d6b1bc7744';
const at = (iso: string) => new Date(iso);

describe('isOurOrphan', () => {
  it('when the noted sub is the user\'s, then the user is ours, whenever it was made', () => {
    expect(isOurOrphan({ since: null, sub }, { sub, createdAt: at('2020-01-01T00:00:00Z') })).toBe(true);
  });

  it('when a sub was noted and the user has another, then it is not ours, even if made after the attempt began', () => {
    const hint = { since: at('2026-01-01T00:00:00Z'), sub };
    expect(isOurOrphan(hint, { sub: otherSub, createdAt: at('2026-01-01T00:00:05Z') })).toBe(false);
  });

  it('when only the start was noted, then a user made at or after it is ours', () => {
    const hint = { since: at('2026-01-01T00:00:00.000Z'), sub: null };
    expect(isOurOrphan(hint, { sub, createdAt: at('2026-01-01T00:00:00.000Z') })).toBe(true);
    expect(isOurOrphan(hint, { sub, createdAt: at('2026-01-01T00:00:01.000Z') })).toBe(true);
  });

  it('when only the start was noted, then a user made even a moment before it is someone else\'s', () => {
    const hint = { since: at('2026-01-01T00:00:00.500Z'), sub: null };
    // cognito-local rounds creation dates down to the second: such a user is kept, never taken for ours.
    expect(isOurOrphan(hint, { sub, createdAt: at('2026-01-01T00:00:00.000Z') })).toBe(false);
  });

  it('when nothing was noted, then no user is ours', () => {
    expect(isOurOrphan({ since: null, sub: null }, { sub, createdAt: new Date() })).toBe(false);
  });
});
