import { describe, expect, it } from 'vitest';
import { ConcurrencyCap } from '../../../services/gateway/client-caps';

describe('when a client takes slots', () => {
  it('then it gets `max` of them, and another client has its own', () => {
    const cap = new ConcurrencyCap(2);
    expect([cap.tryEnter('a'), cap.tryEnter('a'), cap.tryEnter('a'), cap.tryEnter('b')]).toEqual([true, true, false, true]);
    expect(cap.holding('a')).toBe(2);
    expect(cap.holding('b')).toBe(1);
  });

  it('then a slot given back can be taken again', () => {
    const cap = new ConcurrencyCap(1);
    cap.tryEnter('a');
    cap.leave('a');
    expect(cap.holding('a')).toBe(0);
    expect(cap.tryEnter('a')).toBe(true);
  });

  it('then a client holding nothing has no entry, so the map cannot outgrow what is held', () => {
    const cap = new ConcurrencyCap(3);
    cap.tryEnter('a');
    cap.tryEnter('a');
    cap.tryEnter('b');
    expect(cap.clients).toBe(2);
    cap.leave('a');
    expect(cap.clients).toBe(2);
    expect(cap.holding('a')).toBe(1);
    cap.leave('a');
    cap.leave('b');
    expect(cap.clients).toBe(0);
  });

  it('then giving back more than was taken never goes below nothing', () => {
    const cap = new ConcurrencyCap(1);
    cap.leave('a');
    expect(cap.holding('a')).toBe(0);
    expect(cap.clients).toBe(0);
    expect(cap.tryEnter('a')).toBe(true);
    expect(cap.tryEnter('a')).toBe(false);
  });
});

describe('when a client takes amounts (the bytes of its bodies)', () => {
  it('then it holds up to `max` in all, an amount that would pass it takes nothing, and what is given back comes back', () => {
    const cap = new ConcurrencyCap(10);
    expect([cap.tryEnter('a', 6), cap.tryEnter('a', 5), cap.tryEnter('a', 4)]).toEqual([true, false, true]);
    expect(cap.holding('a')).toBe(10);
    cap.leave('a', 6);
    expect(cap.holding('a')).toBe(4);
    cap.leave('a', 4);
    expect(cap.clients).toBe(0);
  });
});
