/**
 * How a failed start reads, in every process that can fail to start (start-failure.mjs): the reason without a stack
 * trace, what to do when known, and the stack with its causes only at LOG_LEVEL=debug or trace.
 */
import { describe, expect, it } from 'vitest';
import { reasonOf, StartFailure, startFailureText, withoutStackFrames } from '../../../services/kit/start-failure.mjs';

const STACK_FRAME = /^\s+at /m;

describe('startFailureText', () => {
  it('when a start fails at LOG_LEVEL info, then it prints who failed and why on one line, no stack frames', () => {
    const text = startFailureText('gateway', new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'), 'info');
    expect(text).toBe('gateway: failed to start: listen EADDRINUSE: address already in use 127.0.0.1:8080\n');
  });

  it('when LOG_LEVEL is unset, then it is as at info', () => {
    expect(startFailureText('identity', new Error('no database'), undefined)).toBe('identity: failed to start: no database\n');
  });

  it('when the error is of a kind of its own, then the kind comes first, as it says something (a bug)', () => {
    expect(startFailureText('billing', new TypeError('x is not a function'), 'warn')).toBe('billing: failed to start: TypeError: x is not a function\n');
    expect(reasonOf('a string thrown')).toBe('a string thrown');
  });

  it('when the reason carries a crashed child\'s last lines, then their stack frames are dropped and the rest kept', () => {
    const tail = ['cognito-local did not become ready: it exited (code 1)', 'Error: listen EADDRINUSE', '    at Server.setupListenHandle (node:net:2390:16)', '\tat node:net:2728:7', '  code: \'EADDRINUSE\''];
    const text = startFailureText('npm start', new Error(tail.join('\n')), 'info');
    expect(text).not.toMatch(STACK_FRAME);
    expect(text).toBe(`npm start: failed to start: ${tail[0]}\n${tail[1]}\n${tail[4]}\n`);
    expect(withoutStackFrames('    at a (b:1:2)')).toBe('');
    expect(withoutStackFrames('    at file:///x/y.mjs:10:5\n    at new Thing (<anonymous>)\n    at Array.map (native)')).toBe('');
    // A child's own words that happen to start with "at" are no stack frame.
    expect(withoutStackFrames('cannot open the store:\n    at least one of its files is locked')).toBe('cannot open the store:\n    at least one of its files is locked');
  });

  it('when the failure says what to do, then that follows the reason, indented', () => {
    const failure = new StartFailure('gateway did not become ready: it exited (code 1)', 'GATEWAY_PORT: stop what holds it\nor set it', { cause: new Error('inner') });
    expect(startFailureText('npm start', failure, 'error')).toBe('npm start: failed to start: gateway did not become ready: it exited (code 1)\n  GATEWAY_PORT: stop what holds it\n  or set it\n');
  });

  it.each(['debug', 'trace'])('when LOG_LEVEL is %s, then the stack and the cause are printed too', (level) => {
    const failure = new StartFailure('the start failed', 'do this', { cause: new RangeError('the cause') });
    const text = startFailureText('npm start', failure, level);
    expect(text).toMatch(/^npm start: failed to start: .*the start failed/);
    expect(text).toMatch(STACK_FRAME);
    expect(text).toContain('RangeError: the cause');
    expect(text.endsWith('\n  do this\n')).toBe(true);
  });
});
